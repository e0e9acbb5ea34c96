#pragma once
// Chrome trace-event JSON (opens in Perfetto and chrome://tracing): one process per rank, one
// thread per stream, every op a complete ("X") slice named by what it is.
#include <nlohmann/json.hpp>
#include <vector>

#include "actors/simulate.hpp"
#include "workloads/program.hpp"

namespace chimera {

nlohmann::json chrome_trace(const std::vector<Program>& programs, const SimulationResult& r);

}  // namespace chimera
