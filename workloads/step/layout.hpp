#pragma once
// Where the ranks of a training step sit. The pipeline has one worker per position; a worker's
// ranks are consecutive, tensor-parallel index fastest, then context-parallel, then data-
// parallel (Megatron-Core's order; Metis' stages are the same with cp = 1). Workers may differ
// (heterogeneous Metis stages: own tp and dp, own samples per replica).
//
// Expert parallelism is laid over the dp x cp ranks of a worker with the same tensor-parallel
// index, as Megatron-Core folds them: the ep ranks whose combined index e = c + cp * d share
// e / ep form an expert-parallel group (they hold the E / ep experts each, tokens move between
// them); the ranks with the same e % ep hold the same experts and synchronise their gradients
// (the expert-data-parallel group).
#include <vector>

#include "workloads/parallel_plan.hpp"

namespace chimera {

struct WorkerLayout {
  int first_rank = 0;
  int tp = 1, cp = 1, dp = 1;
  std::vector<int> samples;  // sequences per micro-batch of each data-parallel replica
  int ranks() const { return tp * cp * dp; }
};

struct RankPlace {
  int worker = 0, tp_index = 0, cp_index = 0, dp_index = 0;
  int expert_index(int cp) const { return cp_index + cp * dp_index; }  // e = c + cp * d
};

class StepLayout {
 public:
  StepLayout() = default;
  StepLayout(std::vector<WorkerLayout> workers, int ep);
  // Megatron-Core's layout of a plan: pp workers of tp x sp x dp ranks, micro_batch samples.
  static StepLayout uniform(const ParallelPlan& plan, int micro_batch);

  int world() const { return world_; }
  int workers() const { return static_cast<int>(workers_.size()); }
  int ep() const { return ep_; }
  const WorkerLayout& worker(int w) const { return workers_.at(w); }
  // Every worker has the same tp, cp, dp and samples: ranks with the same place on different
  // workers correspond, so groups and peers can be named relative to a rank.
  bool uniform() const { return uniform_; }

  RankPlace place(int rank) const;
  int rank_of(int worker, int tp_index, int cp_index, int dp_index) const;
  int samples_of(int rank) const;

  // Groups of `rank` on its own worker, ascending.
  std::vector<int> tp_group(int rank) const;
  std::vector<int> cp_group(int rank) const;
  std::vector<int> ep_group(int rank) const;
  // The dense gradient-sync group over dp x cp (same tp index), and the expert one (same tp
  // index and e % ep), on `rank`'s worker.
  std::vector<int> dense_replica_group(int rank) const;
  std::vector<int> expert_replica_group(int rank) const;
  // `rank`'s counterpart (same tp, cp, dp index) on worker `w` (uniform layouts).
  int peer_on(int rank, int w) const;

 private:
  std::vector<WorkerLayout> workers_;
  std::vector<int> worker_of_rank_;
  int ep_ = 1, world_ = 0;
  bool uniform_ = true;
};

// Who sends what when data sharded as worker `from` (replica i holds samples [P_i, P_i + h_i),
// P the prefix sums of its samples, on all its tensor ranks) is needed as worker `to` (each rank
// of replica j needs its samples [Q_j, Q_j + h'_j)): every target rank receives each overlap
// o_ij in tp_from equal pieces, one from each tensor rank of source replica i. A target thus
// receives exactly its samples; sources share the sending evenly. Pairs with nothing to send are
// omitted; order: by target rank, then source rank. (cp = 1: the planner's stages.)
struct ReshardPiece {
  int src = 0, dst = 0;  // global ranks
  double samples = 0;    // per micro-batch
};
std::vector<ReshardPiece> reshard_pieces(const WorkerLayout& from, const WorkerLayout& to);

}  // namespace chimera
