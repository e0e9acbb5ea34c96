#pragma once
// Degrees of parallelism of a run and the rank layout that follows from them.
#include <vector>

namespace chimera {

struct ParallelPlan {
  int tp = 1;  // tensor parallel
  int pp = 1;  // pipeline stages
  int dp = 1;  // data parallel replicas
  int sp = 1;  // context (sequence) parallel: the sequence sharded over sp ranks (Megatron-Core's CP)
  int ep = 1;  // expert parallel: laid over the dp x sp ranks of a stage (see step/layout.hpp)
  int micro_batches = 1;
  // Megatron sequence parallelism inside the tensor-parallel group: each all-reduce becomes a
  // reduce-scatter and, before the next block, an all-gather; layer norms and dropouts run on
  // 1/tp of the sequence; pipeline stages exchange 1/tp shards. This is the ISCA'25 fused
  // TP+SP communication in a full training iteration ([fusion] pairs "tp+sp" says the same).
  bool sequence_parallel = false;

  // GPUs: Megatron-Core's TP x CP x PP x DP.
  int world_size() const { return tp * sp * pp * dp; }
};

// Megatron-Core's rank order: tensor-parallel index fastest, then context-parallel, then
// data-parallel, then pipeline stage: rank = t + tp * (c + sp * (d + dp * p)).
struct RankCoordinates {
  int tp_index, dp_index, pp_index;
  int cp_index = 0;
};
RankCoordinates coordinates_of(const ParallelPlan& plan, int rank);
int rank_of(const ParallelPlan& plan, RankCoordinates c);

// The ranks of `rank`'s tensor-parallel group and data-parallel group, in index order.
std::vector<int> tensor_parallel_group(const ParallelPlan& plan, int rank);
std::vector<int> data_parallel_group(const ParallelPlan& plan, int rank);

}  // namespace chimera
