#pragma once
// Lowers a Metis plan (stages with their own (dp, tp), layer range and GPU types) into one
// program per rank, so that the plan can be simulated on the cluster's platform.
//
// - Schedule: GPipe, as the Metis cost model assumes (EXEC = (M-1) max_s E_s + sum_s E_s): each
//   stage runs the forwards of all M micro-batches in order, then all backwards in order.
// - Ranks: stage s holds ranks [first, first + g_s); replica i (a tensor-parallel group) is the
//   contiguous ranks first + i tp .. first + (i+1) tp - 1 (the planner's batch split uses these
//   chunks); the data-parallel group of tensor index t is {first + i tp + t}.
// - Compute: from the profiles of the rank's own GPU type: layer l takes
//   sum over the binary digits 2^k of the replica's samples h of lc[type][tp][2^k][l] (the cost
//   model's rule; h = G div dp div M, or the speed-proportional split of a mixed-type stage), one
//   third forward and two thirds backward (profiles give fwd+bwd only). A transformer layer's
//   forward and backward are halved into an attention and an MLP block (the split only places
//   the all-reduce between them). Stage 0 runs the batch generator before each forward, the last
//   stage the non-layer fwd/bwd time (fb_sync of its type) after each forward; the optimizer
//   step takes optimizer_time / tp x n_s / L (model constants, as the cost model).
// - Tensor parallelism (tp > 1): Megatron's all-reduces of the replica's activation (h x seq x
//   hidden x 2 bytes): after the embedding forward, after each attention and MLP block forward
//   and backward, after the LM head's backward.
// - Data parallelism (dp > 1): each layer's gradients (parameters / tp bytes) are all-reduced
//   over the data-parallel group right after the layer's last backward, overlapping the
//   remaining backwards; the optimizer waits for all of them.
// - Between stages: activations (forward) and their gradients (backward) are resharded with
//   explicit sends and receives (reshard_transfers), on one stream per peer so that the pieces
//   travel concurrently; receives are posted ahead.
// Engine-free: the result is plain data (workloads/program.hpp).
#include <vector>

#include "planner/metis_plan.hpp"
#include "planner/metis_profiles.hpp"
#include "workloads/program.hpp"

namespace chimera::metis {

struct PlanLoweringInput {
  std::vector<StagePlan> stages;  // plan_stages()
  int micro_batches = 0;          // M
  int layers = 0;                 // L
  int global_batch = 0;           // G
  double hidden_size = 4096, sequence_length = 1024;
  double bytes_per_element = 2;   // fp16 activations
  const ProfileSet* profiles = nullptr;
  const ModelConstants* constants = nullptr;
  // Batch split of a mixed-type stage (the planner's rule, so the simulated plan is the one
  // searched): replica speed from its first GPU's type (quirk 6) or from its slowest type.
  bool chunk_type_first_gpu = false;
  CollectiveAlgorithm tp_algorithm = CollectiveAlgorithm::ring;
  CollectiveAlgorithm dp_algorithm = CollectiveAlgorithm::ring;
  // false: the profiled layer times already contain the tensor-parallel all-reduces (profiles
  // measured on the real machine at that TP degree), so none are simulated; true: they are
  // simulated as flows on top of the profiled time (profiles of compute only).
  bool tp_communication = true;
};

// Samples per micro-batch of each replica of stage `s`.
std::vector<int> replica_samples(const PlanLoweringInput& in, int s);

struct Transfer {
  int src = 0, dst = 0;  // global ranks
  double samples = 0;    // per micro-batch
};

// Who sends what when data sharded as stage `from` (replica i holds samples [P_i, P_i + h_i),
// P the prefix sums of `from_samples`, on all its tensor ranks) is needed as stage `to` (each
// rank of replica j needs its samples [Q_j, Q_j + h'_j)): every target rank receives each
// overlap o_ij in tp_from equal pieces, one from each tensor rank of source replica i. A target
// thus receives exactly its samples; sources share the sending evenly. Pairs with nothing to
// send are omitted; order: by target rank, then source rank.
std::vector<Transfer> reshard_transfers(const StagePlan& from, const std::vector<int>& from_samples, const StagePlan& to,
                                        const std::vector<int>& to_samples);

struct PlanPrograms {
  std::vector<Program> programs;                 // rank order
  std::vector<std::vector<int>> replica_samples;  // per stage
};

// Throws InputError when a profile the lowering needs is missing.
PlanPrograms lower_plan(const PlanLoweringInput& in);

}  // namespace chimera::metis
