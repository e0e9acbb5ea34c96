#pragma once
// Rank placement for one node sequence (an ordering of the GPU types): ranks 0..N-1 are laid
// out type by type in that order, node by node (hostfile order within a type). Stages are
// contiguous rank ranges, so a stage is homogeneous iff its first and last rank share a type.
#include <vector>

#include "planner/metis_cluster.hpp"

namespace chimera::metis {

struct Layout {
  std::vector<int> sequence;   // cluster type indices
  int num_ranks = 0;
  std::vector<int> rank_type;  // cluster type per rank
  std::vector<int> rank_pos;   // position of the rank's type in `sequence`
  std::vector<int> rank_node;  // layout node per rank
  std::vector<int> node_type;  // cluster type per layout node
  std::vector<int> node_host;  // index into Cluster::nodes per layout node

  bool homogeneous(int first, int count) const { return rank_type[first] == rank_type[first + count - 1]; }
};

// `uniform_slots`: every node gets the first hostfile node's GPU count (the reference).
Layout make_layout(const Cluster& cluster, const std::vector<int>& sequence, bool uniform_slots);

// itertools.permutations(range(n)) order: (0,1,..), ..., lexicographic in positions.
std::vector<std::vector<int>> node_sequences(int num_types);

// Bandwidth (the cluster file's GB/s figure) of a transfer among `ranks`: one node -> that
// node type's intra bandwidth; more -> the minimum over the nodes' types of the inter value,
// or of the intra value when `inter_is_intra` (the reference's getter bug).
double rank_set_bandwidth(const Layout& layout, const Cluster& cluster, const int* ranks, int count,
                          bool inter_is_intra);
// Same for the contiguous rank range [first, first + count).
double rank_range_bandwidth(const Layout& layout, const Cluster& cluster, int first, int count, bool inter_is_intra);

}  // namespace chimera::metis
