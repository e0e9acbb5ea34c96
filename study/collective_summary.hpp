#pragma once
// What the collectives of a run were, per kind: how many ran, how many bytes, how long, and the
// algorithm each ran with, so that `auto` is never a mystery. Counted per member rank (a ring
// all-reduce over 8 ranks is 8 calls): every rank's op is one call, its size argument is its
// bytes, its start-to-end time on that rank its time.
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "actors/simulate.hpp"
#include "workloads/program.hpp"

namespace chimera {

struct AlgorithmChoice {
  std::string requested;  // as the program asked: "auto", "ring", ...
  std::string resolved;   // what ran
  std::uint64_t calls = 0;
};

struct CollectiveKindSummary {
  std::string kind;  // "allreduce", ...
  std::uint64_t calls = 0;
  double bytes = 0;   // size arguments, summed over calls
  double time_s = 0;  // start to end on each member, summed over calls
  std::vector<AlgorithmChoice> algorithms;  // by (requested, resolved), in that order
};

// Collectives of groups with one member do nothing and are left out. `resolve` gives the
// algorithm an op ran with (Simulation::resolved_algorithm), asked once per (group, kind,
// requested algorithm).
std::vector<CollectiveKindSummary> summarize_collectives(
    const std::vector<Program>& programs, const SimulationResult& result,
    const std::function<CollectiveAlgorithm(const Program&, const Op&)>& resolve);

nlohmann::json collectives_json(const std::vector<CollectiveKindSummary>& summary);
// One line per kind: "allreduce  96 calls  1.5 GiB  12.3 ms  auto -> ring (96)".
std::string collectives_text(const nlohmann::json& collectives);

}  // namespace chimera
