#pragma once
// SimGrid allows one engine per process, so each simulated run of a benchmark happens in a
// forked child; the parent times it (wall clock, reported through manual timing) and reads
// back a count (e.g. messages simulated) through a pipe.
#include <chrono>
#include <cstdint>
#include <functional>
#include <stdexcept>

#include <sys/wait.h>
#include <unistd.h>

namespace chimera::bench {

struct ChildResult {
  double seconds = 0;
  std::uint64_t count = 0;
};

inline ChildResult run_in_child(const std::function<std::uint64_t()>& work) {
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    close(fds[0]);
    auto t0 = std::chrono::steady_clock::now();
    std::uint64_t n = work();
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ChildResult r{s, n};
    (void)!write(fds[1], &r, sizeof r);
    _exit(0);
  }
  close(fds[1]);
  ChildResult r;
  ssize_t got = read(fds[0], &r, sizeof r);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (got != sizeof r || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error("benchmark child failed");
  return r;
}

}  // namespace chimera::bench
