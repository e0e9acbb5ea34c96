#pragma once
// The autotuner as the `tune` command and the playground use it: set-up from a scenario and
// options (checked, with errors naming the option), the model-ranked search, the simulation of
// the best configurations (each in its own process), and the text / JSON output.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "study/scenario.hpp"
#include "planner/pipeline_tuner.hpp"

namespace chimera {

struct TuneSetup {
  TuneRequest request;
  int top = 3;
  std::string memory_source;  // "--memory" or the preset's name
  std::unique_ptr<ComputeCostModel> cost;
  std::vector<LinkCost> routes;  // from rank 0
  double timeout_s = 0;          // --timeout of each simulated configuration (0: none)
};

// Throws InputError naming the option (--gpus, --memory, --mini-batch, --tp, --kinds, --top).
TuneSetup tune_setup(const Scenario& s, int gpus, int tp, int mini_batch, const std::string& memory,
                     const std::string& kinds, int top, bool try_recompute);

struct SimulatedCandidate {
  RankedCandidate ranked;
  double simulated_s = 0;
  double simulated_peak_memory_bytes = 0;
  double simulated_bubble = 0;
  bool simulated_fits = true;
  int model_rank = 0;  // 1-based position in the model's ranking
  bool timed_out = false;  // the simulation exceeded --timeout: no simulated figures
};

struct TuneOutcome {
  TuneResult result;
  // The model's top k, ranked by simulated time (those that fit memory first; ties keep the
  // model's order): the choice is the simulated best, the model's rank stands beside it.
  std::vector<SimulatedCandidate> simulated;
};

// Runs the search; no feasible configuration is an InputError on --memory.
TuneOutcome run_tune(const Scenario& s, TuneSetup& setup);

nlohmann::json tune_json(const Scenario& s, const TuneSetup& setup, const TuneOutcome& out);
std::string tune_text(const Scenario& s, const TuneSetup& setup, const TuneOutcome& out);

// The scenario that runs a candidate (the tuner's verification, the playground).
Scenario scenario_for(const Scenario& base, const PipelineCandidate& c, OptimizerKind optimizer);

}  // namespace chimera
