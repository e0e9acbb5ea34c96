#pragma once
// Lowers a dense GPT-style layer stack with Megatron tensor parallelism (and optional data
// parallelism) into one program per rank. Per layer and micro-batch: forward attention ->
// all-reduce -> forward MLP -> all-reduce; backward MLP input-gradient -> all-reduce, while the
// MLP weight-gradient runs; backward attention input-gradient -> all-reduce, while its
// weight-gradient runs. With dp > 1 each layer's gradients are all-reduced over the data-
// parallel group as soon as its last backward finishes (bucketed DDP), then the optimizer steps.
#include <functional>
#include <vector>

#include "compute/cost_model.hpp"
#include "workloads/model_spec.hpp"
#include "workloads/parallel_plan.hpp"
#include "workloads/program.hpp"
#include "workloads/transformer_kernels.hpp"

namespace chimera {

struct LoweringInput {
  ModelSpec model;
  ParallelPlan plan;
  // Cost model of a rank's hardware (heterogeneous clusters give ranks different models).
  std::function<const ComputeCostModel&(int rank)> cost_model_of;
  CollectiveAlgorithm tp_algorithm = CollectiveAlgorithm::automatic;
  CollectiveAlgorithm dp_algorithm = CollectiveAlgorithm::automatic;
  // Which GEMMs a layer charges (workloads/transformer_kernels.hpp): Megatron-sharded kernels,
  // or the ISCA'25 study's full-layer GEMM lists with 1/tp of their cost per rank.
  LoweringMode compute_lowering = LoweringMode::standard;
};

// Requires plan.pp == 1 (pipeline schedules lower pipelines). Ranks follow Megatron's order
// (see parallel_plan.hpp).
std::vector<Program> lower_megatron(const LoweringInput& in);

// Bytes of one activation tensor [micro_batch x sequence x hidden]: the tensor-parallel
// all-reduce size.
double activation_bytes(const ModelSpec& m);

}  // namespace chimera
