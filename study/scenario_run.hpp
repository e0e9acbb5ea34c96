#pragma once
// A scenario from file to result: lower the workload into programs (with each rank's compute
// cost model), simulate them, derive the per-rank statistics.
#include <memory>
#include <optional>
#include <vector>

#include "actors/simulate.hpp"
#include "actors/timeline_stats.hpp"
#include "study/collective_summary.hpp"
#include "study/scenario.hpp"
#include "compute/cost_model.hpp"
#include "workloads/step/training_step.hpp"

namespace chimera {

struct ScenarioRun {
  std::vector<Program> programs;
  SimulationResult result;
  std::vector<RankTimeStats> stats;
  std::vector<std::string> rank_presets;  // hardware preset of each rank
  std::string compute_description;        // cost model(s) used
  // The training step (Megatron workload): schedule, partition, memory per stage (its
  // programs are moved into `programs`).
  std::optional<TrainingStep> pipeline;
  // Per collective kind: calls, bytes, time, and the algorithm `auto` resolved to.
  std::vector<CollectiveKindSummary> collectives;
};

// Lowers the scenario without running the engine (for `chimera-sim program`): every rank gets
// the scenario's [compute] preset.
std::vector<Program> lower_scenario(const Scenario& s);

ScenarioRun run_scenario(const Scenario& s);

}  // namespace chimera
