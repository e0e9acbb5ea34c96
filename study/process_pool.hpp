#pragma once
// Runs independent jobs in forked worker processes, at most `jobs` at a time (SimGrid allows
// one engine per process, and a crash or deadlock in one job must not take the others down).
// Each job returns JSON, which the parent receives through a pipe and hands to `done` in
// completion order.
#include <cstddef>
#include <functional>
#include <nlohmann/json.hpp>
#include <vector>

namespace chimera {

struct JobOutcome {
  bool ok = false;
  nlohmann::json result;  // when ok
  std::string error;      // otherwise: what went wrong (an InputError's text, a crash, ...)
  bool input_error = false;
  bool timed_out = false;  // the job exceeded --timeout (cli/isolated_run.hpp); error says so
  double wall_s = 0;
};

// Runs work(i) for every i in `indices`. `done` is called in the parent as each finishes; if it
// returns false, no further jobs are started (running ones are waited for).
void run_jobs(const std::vector<std::size_t>& indices, int jobs, const std::function<nlohmann::json(std::size_t)>& work,
              const std::function<bool(std::size_t, const JobOutcome&)>& done);

}  // namespace chimera
