#pragma once
// SimGrid allows one engine per process. Commands that need several independent simulations
// (a size sweep, baseline and fused variants, several network models) run each one in a
// forked child and read its result back as JSON. Exceptions in the child come back as the
// same exception type in the parent (InputError, SimulationDeadlock, or a runtime error).
#include <functional>
#include <nlohmann/json.hpp>

namespace chimera {

nlohmann::json run_isolated(const std::function<nlohmann::json()>& work);

// The two halves, for callers that manage their own children (study/process_pool.cpp):
// in the child, runs `work`, writes its result or its exception as JSON to `fd` and exits;
// in the parent, turns that text back into the result or rethrows the exception.
[[noreturn]] void run_child_and_exit(int fd, const std::function<nlohmann::json()>& work);
nlohmann::json child_result_or_throw(const std::string& text);

}  // namespace chimera
