#pragma once
// SimGrid allows one engine per process. Commands that need several independent simulations
// (a size sweep, baseline and fused variants, several network models) run each one in a
// forked child and read its result back as JSON. Exceptions in the child come back as the
// same exception type in the parent (InputError, SimulationDeadlock, or a runtime error).
#include <functional>
#include <nlohmann/json.hpp>

namespace chimera {

nlohmann::json run_isolated(const std::function<nlohmann::json()>& work);

}  // namespace chimera
