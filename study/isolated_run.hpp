#pragma once
// SimGrid allows one engine per process. Commands that need several independent simulations
// (a size sweep, baseline and fused variants, several network models) run each one in a
// forked child and read its result back as JSON. Exceptions in the child come back as the
// same exception type in the parent (InputError, SimulationDeadlock, RunTimeout, or a runtime
// error; an engine abort in the child comes back as a runtime error with SimGrid's message).
#include <functional>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace chimera {

nlohmann::json run_isolated(const std::function<nlohmann::json()>& work);

// A run that exceeded the user's --timeout (exit code kExitTimeout when it ends a command).
struct RunTimeout : std::runtime_error {
  explicit RunTimeout(double seconds);
  double seconds;
};

// Wall-clock limit of each run in a worker process (0: none), from --timeout: a worker that
// passes it ends, and the parent gets RunTimeout (the process pool: JobOutcome::timed_out).
void set_run_timeout(double seconds);
double run_timeout();
// For a command that simulates in its own process: after `seconds`, prints "error: <what>
// exceeded --timeout <seconds> s" and exits with kExitTimeout. 0: no limit.
void arm_process_timeout(double seconds, const std::string& what);

// The two halves, for callers that manage their own children (study/process_pool.cpp):
// in the child, runs `work`, writes its result or its exception as JSON to `fd` and exits;
// in the parent, turns that text back into the result or rethrows the exception.
[[noreturn]] void run_child_and_exit(int fd, const std::function<nlohmann::json()>& work);
nlohmann::json child_result_or_throw(const std::string& text);

}  // namespace chimera
