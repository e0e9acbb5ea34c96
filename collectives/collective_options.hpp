#pragma once
// How collectives run, as scenarios and commands choose it: engine-free, so that scenario
// parsing and the lowerings can name it without SimGrid.
#include <vector>

#include "collectives/nccl_model.hpp"
#include "workloads/program.hpp"

namespace chimera {

enum class Granularity {
  step,        // every message of every round is a flow
  aggregated,  // one flow per peer per phase; the other rounds' latencies are added analytically
};

struct CollectiveOptions {
  Granularity granularity = Granularity::step;
  // Local reduction after each receive of a reducing collective, in seconds per byte, per
  // rank (empty: reductions are free).
  std::vector<double> reduction_seconds_per_byte;
  // Chunks per tree of the double binary tree (0: about one per 512 KiB, 1 to 64).
  int tree_chunks = 0;
  // Chunks of a pipelined ring broadcast / reduce (0: one per member).
  int chain_chunks = 0;
  // The platform's preferred algorithm (a <prop id="collective_algorithm"> of its root zone),
  // used by `auto` when it fits the group.
  CollectiveAlgorithm platform_default = CollectiveAlgorithm::automatic;
  // The research engine's global compute barrier (collectives/comm_context.hpp,
  // ComputeBarrier); off by default.
  bool compute_barrier = false;
  // NCCL's protocols, latencies and algorithm choice (collectives/nccl_model.hpp), from the
  // platform's root-zone props; off on platforms that do not ask for it.
  NcclModel nccl;
};

}  // namespace chimera
