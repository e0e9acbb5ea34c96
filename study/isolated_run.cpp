#include "study/isolated_run.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <stdexcept>
#include <string>

#include "actors/simulate.hpp"
#include "common/input_error.hpp"

namespace chimera {

void run_child_and_exit(int fd, const std::function<nlohmann::json()>& work) {
  nlohmann::json out;
  try {
    out = {{"ok", work()}};
  } catch (const InputError& e) {
    out = {{"input_error", {{"file", e.where().file}, {"line", e.where().line}, {"column", e.where().column},
                            {"key", e.key()}, {"problem", e.problem()}, {"valid", e.valid()}}}};
  } catch (const SimulationDeadlock& e) {
    out = {{"deadlock", e.what()}};
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

nlohmann::json child_result_or_throw(const std::string& text) {
  nlohmann::json out = nlohmann::json::parse(text);
  if (out.contains("ok")) return out["ok"];
  if (out.contains("input_error")) {
    const auto& e = out["input_error"];
    throw InputError({e["file"].get<std::string>(), e["line"].get<int>(), e["column"].get<int>()},
                     e["key"].get<std::string>(), e["problem"].get<std::string>(), e["valid"].get<std::string>());
  }
  if (out.contains("deadlock")) throw SimulationDeadlock(out["deadlock"].get<std::string>());
  throw std::runtime_error(out["error"].get<std::string>());
}

nlohmann::json run_isolated(const std::function<nlohmann::json()>& work) {
  std::fflush(stdout);
  std::fflush(stderr);
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe() failed");
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork() failed");
  if (pid == 0) {
    close(fds[0]);
    run_child_and_exit(fds[1], work);
  }
  close(fds[1]);
  std::string text;
  char buf[65536];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || text.empty())
    throw std::runtime_error(WIFSIGNALED(status) ? "simulation process killed by signal " + std::to_string(WTERMSIG(status))
                                                 : "simulation process failed");
  return child_result_or_throw(text);
}

}  // namespace chimera
