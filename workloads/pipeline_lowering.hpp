#pragma once
// Lowers a pipeline schedule (workloads/schedules/) of a dense transformer into one program per
// rank. Ranks follow Megatron's order (parallel_plan.hpp) with the pipeline coordinate as the
// schedule's worker: rank = t + tp * (d + dp * w). A worker holds the model stages its pipes
// map to it (for Chimera: down stage w and up stage D-1-w; stage_replica_group below).
//
// Per action of the worker's list:
//  - F / B / W of a stage: compute ops with the kernels of its layers (workloads/
//    transformer_kernels.hpp; stage 0 adds the embedding, the last stage the LM head), one op
//    per action when tp = 1, per layer with Megatron's tensor-parallel all-reduces when tp > 1
//    (as megatron_lowering.cpp). B includes the weight gradient unless the schedule splits it
//    into W; with recomputation B first re-runs the stage's forward.
//  - send / recv: point-to-point ops of one activation tensor [micro-batch x sequence x hidden]
//    between the same tensor-parallel index of the two workers. Every (pipe, producing stage,
//    activation or gradient) pair is its own channel with its own send stream and receive
//    stream, so FIFO order per channel is micro-batch order and receives are posted ahead.
//  - gradient sync of stage s: an all-reduce of the stage's gradients over every rank holding
//    stage s with this tensor-parallel index (W ranks; 2W for Chimera), on the data-parallel
//    stream in the order of the action list, waiting for the stage's last backward here.
// Then the optimizer step (mixed-precision Adam traffic, as megatron_lowering.cpp).
#include <functional>
#include <vector>

#include "compute/cost_model.hpp"
#include "workloads/model_spec.hpp"
#include "workloads/parallel_plan.hpp"
#include "workloads/program.hpp"
#include "workloads/schedules/memory_model.hpp"
#include "workloads/schedules/partition.hpp"
#include "workloads/schedules/schedule.hpp"

namespace chimera {

// What a scenario's [schedule] table chooses.
struct PipelineSpec {
  ScheduleOptions schedule;  // kind, chunks, pipes_per_direction, extend (stages, micro-batches: the plan's)
  MemoryOptions memory;
};

struct PipelineLoweringInput {
  ModelSpec model;
  ParallelPlan plan;  // tp, pp = D stages, dp = W replicas, micro_batches = N per worker
  PipelineSpec pipeline;
  std::function<const ComputeCostModel&(int rank)> cost_model_of;
  CollectiveAlgorithm tp_algorithm = CollectiveAlgorithm::automatic;
  CollectiveAlgorithm dp_algorithm = CollectiveAlgorithm::automatic;
};

// A micro-batch's activations of one stage, live from the start of op `first` to the end of
// op `last` (the F's first compute op, the B's or W's last).
struct LiveActivation {
  OpIndex first = 0, last = 0;
  double bytes = 0;
};

struct PipelineLowering {
  PipelineSchedule schedule;
  StagePartition partition;
  std::vector<double> stage_seconds;  // forward + backward of one micro-batch per stage (rank 0's hardware)
  std::vector<StageMemory> stages;
  std::vector<Program> programs;
  std::vector<std::vector<LiveActivation>> live_activations;  // [rank]
  std::vector<OpIndex> optimizer_op;                          // [rank]
  std::vector<WorkerMemory> rank_memory;  // [rank] state and working bytes; peak_activations left 0
};

// The schedule options the plan implies (stages = pp, micro-batches = micro_batches).
ScheduleOptions schedule_options_for(const ParallelPlan& plan, const ScheduleOptions& chosen);

// Throws std::invalid_argument when the plan and schedule do not fit (the scenario reader
// reports these as input errors first).
PipelineLowering lower_pipeline(const PipelineLoweringInput& in);

// Ranks holding model stage `stage` with tensor-parallel index `tp_index`, ascending.
std::vector<int> stage_replica_group(const ParallelPlan& plan, const PipelineSchedule& s, int stage, int tp_index);

// Per-layer forward + backward seconds of the dense layers, and the embedding / LM-head
// extras, on one cost model: the partitioner's inputs.
struct LayerCosts {
  double layer = 0, embedding = 0, lm_head = 0;                  // forward + backward (+ recompute)
  double layer_forward = 0, embedding_forward = 0, lm_head_forward = 0;
  double layer_weight = 0, embedding_weight = 0, lm_head_weight = 0;  // weight-gradient parts
};
LayerCosts layer_costs(const ModelSpec& m, int tp, const ComputeCostModel& model, bool recompute);

}  // namespace chimera
