#include "study/isolated_run.hpp"

#include <fmt/format.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>

#include "actors/simulate.hpp"
#include "common/exit_codes.hpp"
#include "common/input_error.hpp"
#include "platforms/engine_log.hpp"

namespace chimera {
namespace {

double g_run_timeout_s = 0;
// What the SIGALRM handler writes (prepared before the timer starts: a handler may only write).
char g_timeout_text[512];
std::size_t g_timeout_size = 0;
int g_timeout_fd = 2;
int g_timeout_exit = 0;

void on_timeout(int) {
  (void)!write(g_timeout_fd, g_timeout_text, g_timeout_size);
  _exit(g_timeout_exit);
}

void start_timer(double seconds, int fd, const std::string& text, int exit_code) {
  const std::size_t n = std::min(text.size(), sizeof g_timeout_text);
  std::memcpy(g_timeout_text, text.data(), n);
  g_timeout_size = n;
  g_timeout_fd = fd;
  g_timeout_exit = exit_code;
  struct sigaction sa {};
  sa.sa_handler = on_timeout;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGALRM, &sa, nullptr);
  itimerval t{};
  const double whole = std::floor(seconds);
  t.it_value.tv_sec = static_cast<time_t>(whole);
  t.it_value.tv_usec = static_cast<suseconds_t>((seconds - whole) * 1e6);
  if (t.it_value.tv_sec == 0 && t.it_value.tv_usec == 0) t.it_value.tv_usec = 1;
  setitimer(ITIMER_REAL, &t, nullptr);
}

}  // namespace

RunTimeout::RunTimeout(double s)
    : std::runtime_error(fmt::format("the run exceeded --timeout {:g} s", s)), seconds(s) {}

void set_run_timeout(double seconds) { g_run_timeout_s = seconds > 0 ? seconds : 0; }
double run_timeout() { return g_run_timeout_s; }

void arm_process_timeout(double seconds, const std::string& what) {
  if (seconds > 0) start_timer(seconds, 2, fmt::format("error: {} exceeded --timeout {:g} s\n", what, seconds), kExitTimeout);
}

void run_child_and_exit(int fd, const std::function<nlohmann::json()>& work) {
  set_abort_report_fd(fd);
  if (g_run_timeout_s > 0) start_timer(g_run_timeout_s, fd, nlohmann::json{{"timeout", g_run_timeout_s}}.dump(), 0);
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
  itimerval no_timer{};
  setitimer(ITIMER_REAL, &no_timer, nullptr);  // the result, not a timeout, goes through the pipe
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
  if (out.contains("timeout")) throw RunTimeout(out["timeout"].get<double>());
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
