#pragma once
// Chooses a pipeline configuration the way the Chimera paper does (shared/reference/
// pipeline-schedules.md §4): for P GPUs and a mini-batch B^, enumerate pipeline depth D,
// data-parallel width W = P / (tp D), micro-batch size B and count N = B^ / (W B), schedule kind
// (with its variants) and recomputation; keep the configurations whose peak memory per GPU fits;
// rank them by the analytical model (planner/pipeline_model.hpp). The caller simulates the top
// few to verify. Engine-free.
#include <functional>
#include <string>
#include <vector>

#include "planner/pipeline_model.hpp"

namespace chimera {

struct TuneRequest {
  ModelInputs inputs;        // model, cost model, links, optimizer
  int gpus = 1;
  int tp = 1;
  int mini_batch = 1;        // B^: sequences per iteration
  double memory_bytes = 0;   // per GPU
  std::vector<ScheduleKind> kinds = {ScheduleKind::gpipe, ScheduleKind::one_f_one_b, ScheduleKind::interleaved,
                                     ScheduleKind::chimera, ScheduleKind::zb_h1};
  int max_micro_batch = 64;  // largest B tried (powers of two)
  bool try_recompute = true;
  // Links of a candidate (they depend on where its ranks sit); default: inputs' links.
  std::function<ModelInputs(const PipelineCandidate&)> inputs_for;
};

struct RankedCandidate {
  PipelineCandidate candidate;
  PipelineEstimate estimate;
};

struct TuneResult {
  std::vector<RankedCandidate> feasible;  // best first
  int considered = 0;
  int over_memory = 0;
  // The configuration needing the least memory when none fits (for the error message).
  RankedCandidate least_memory;
};

// Throws std::invalid_argument when the request admits no configuration at all (e.g. the
// mini-batch is not divisible by any data-parallel width).
TuneResult tune_pipeline(const TuneRequest& r);

// All candidates the search considers (before memory and model), in a fixed order.
std::vector<PipelineCandidate> enumerate_candidates(const TuneRequest& r);

}  // namespace chimera
