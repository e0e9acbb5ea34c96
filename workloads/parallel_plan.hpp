#pragma once
// Degrees of parallelism of a run and the rank layout that follows from them.
#include <vector>

namespace chimera {

struct ParallelPlan {
  int tp = 1;  // tensor parallel
  int pp = 1;  // pipeline stages
  int dp = 1;  // data parallel replicas
  int sp = 1;  // sequence parallel
  int ep = 1;  // expert parallel
  int micro_batches = 1;
  // Megatron sequence parallelism inside the tensor-parallel group: each all-reduce becomes a
  // reduce-scatter and, before the next block, an all-gather; layer norms and dropouts run on
  // 1/tp of the sequence; pipeline stages exchange 1/tp shards. This is the ISCA'25 fused
  // TP+SP / TP+PP communication (ReduceScatter instead of AllReduce, scattered stage boundary)
  // in a full training iteration.
  bool sequence_parallel = false;

  int world_size() const { return tp * pp * dp; }
};

// Megatron's rank order: tensor-parallel index fastest, then data-parallel, then pipeline
// stage: rank = t + tp * (d + dp * p).
struct RankCoordinates {
  int tp_index, dp_index, pp_index;
};
RankCoordinates coordinates_of(const ParallelPlan& plan, int rank);
int rank_of(const ParallelPlan& plan, RankCoordinates c);

// The ranks of `rank`'s tensor-parallel group and data-parallel group, in index order.
std::vector<int> tensor_parallel_group(const ParallelPlan& plan, int rank);
std::vector<int> data_parallel_group(const ParallelPlan& plan, int rank);

}  // namespace chimera
