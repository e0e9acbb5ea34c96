#include "cli/process_pool.hpp"

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <stdexcept>
#include <string>

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

void child(int fd, const std::function<nlohmann::json(std::size_t)>& work, std::size_t i) {
  nlohmann::json out;
  try {
    out = {{"ok", work(i)}};
  } catch (const InputError& e) {
    out = {{"input_error", e.what()}};
  } catch (const std::exception& e) {
    out = {{"error", e.what()}};
  }
  std::string text = out.dump();
  std::size_t off = 0;
  while (off < text.size()) {
    ssize_t n = write(fd, text.data() + off, text.size() - off);
    if (n <= 0) break;
    off += static_cast<std::size_t>(n);
  }
  close(fd);
  std::fflush(stdout);
  _exit(0);
}

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
        child(fds[1], work, indices[next]);
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
        auto j = nlohmann::json::parse(r.text);
        if (j.contains("ok")) o.ok = true, o.result = j["ok"];
        else if (j.contains("input_error")) o.input_error = true, o.error = j["input_error"];
        else o.error = j["error"];
      }
      if (!done(r.index, o)) stop = true;
      r.fd = -1;
    }
    std::erase_if(running, [](const Running& r) { return r.fd < 0; });
  }
}

}  // namespace chimera
