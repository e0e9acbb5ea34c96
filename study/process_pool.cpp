#include "study/process_pool.hpp"

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <stdexcept>
#include <string>

#include "study/isolated_run.hpp"
#include "study/progress.hpp"
#include "common/input_error.hpp"

namespace chimera {
namespace {

struct Running {
  std::size_t index;
  pid_t pid;
  int fd;
  std::string text;
  std::chrono::steady_clock::time_point start;
};

}  // namespace

void run_jobs(const std::vector<std::size_t>& indices, int jobs, const std::function<nlohmann::json(std::size_t)>& work,
              const std::function<bool(std::size_t, const JobOutcome&)>& done) {
  if (jobs < 1) jobs = 1;
  std::size_t next = 0;
  bool stop = false;
  std::vector<Running> running;
  while ((!stop && next < indices.size()) || !running.empty()) {
    while (!stop && next < indices.size() && static_cast<int>(running.size()) < jobs) {
      std::fflush(stdout);
      std::fflush(stderr);
      int fds[2];
      if (pipe(fds) != 0) throw std::runtime_error("pipe() failed");
      pid_t pid = fork();
      if (pid < 0) throw std::runtime_error("fork() failed");
      if (pid == 0) {
        close(fds[0]);
        for (const Running& r : running) close(r.fd);
        progress_settings().enabled = false;  // parallel workers: the parent reports
        const std::size_t i = indices[next];
        run_child_and_exit(fds[1], [&] { return work(i); });
      }
      close(fds[1]);
      running.push_back({indices[next], pid, fds[0], {}, std::chrono::steady_clock::now()});
      ++next;
    }
    std::vector<pollfd> polls;
    for (const Running& r : running) polls.push_back({r.fd, POLLIN, 0});
    if (poll(polls.data(), polls.size(), -1) < 0) continue;
    for (std::size_t k = 0; k < polls.size(); ++k) {
      if (!(polls[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      Running& r = running[k];
      char buf[65536];
      ssize_t n = read(r.fd, buf, sizeof buf);
      if (n > 0) {
        r.text.append(buf, static_cast<std::size_t>(n));
        continue;
      }
      close(r.fd);
      int status = 0;
      waitpid(r.pid, &status, 0);
      JobOutcome o;
      o.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - r.start).count();
      if (!WIFEXITED(status) || r.text.empty()) {
        o.error = WIFSIGNALED(status) ? "worker killed by signal " + std::to_string(WTERMSIG(status)) : "worker failed";
      } else {
        try {
          o.result = child_result_or_throw(r.text);
          o.ok = true;
        } catch (const InputError& e) {
          o.input_error = true, o.error = e.what();
        } catch (const RunTimeout& e) {
          o.timed_out = true, o.error = e.what();
        } catch (const std::exception& e) {
          o.error = e.what();
        }
      }
      if (!done(r.index, o)) stop = true;
      r.fd = -1;
    }
    std::erase_if(running, [](const Running& r) { return r.fd < 0; });
  }
}

}  // namespace chimera
