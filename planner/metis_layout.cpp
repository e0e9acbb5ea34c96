#include "planner/metis_layout.hpp"

#include <algorithm>
#include <numeric>

namespace chimera::metis {

Layout make_layout(const Cluster& cluster, const std::vector<int>& sequence, bool uniform_slots) {
  Layout l;
  l.sequence = sequence;
  for (std::size_t pos = 0; pos < sequence.size(); ++pos) {
    for (std::size_t h = 0; h < cluster.nodes.size(); ++h) {
      const auto& node = cluster.nodes[h];
      if (node.type != sequence[pos]) continue;
      int node_index = static_cast<int>(l.node_type.size());
      l.node_type.push_back(node.type);
      l.node_host.push_back(static_cast<int>(h));
      int slots = uniform_slots ? cluster.nodes.front().slots : node.slots;
      for (int k = 0; k < slots; ++k) {
        l.rank_type.push_back(node.type);
        l.rank_pos.push_back(static_cast<int>(pos));
        l.rank_node.push_back(node_index);
      }
    }
  }
  l.num_ranks = static_cast<int>(l.rank_type.size());
  return l;
}

std::vector<std::vector<int>> node_sequences(int num_types) {
  std::vector<int> p(num_types);
  std::iota(p.begin(), p.end(), 0);
  std::vector<std::vector<int>> out;
  do out.push_back(p);  // next_permutation from sorted = itertools.permutations order
  while (std::next_permutation(p.begin(), p.end()));
  return out;
}

double rank_set_bandwidth(const Layout& layout, const Cluster& cluster, const int* ranks, int count,
                          bool inter_is_intra) {
  int first_node = layout.rank_node[ranks[0]];
  bool one_node = true;
  for (int i = 1; i < count && one_node; ++i) one_node = layout.rank_node[ranks[i]] == first_node;
  if (one_node) return cluster.intra_bandwidth[layout.node_type[first_node]];
  const auto& bw = inter_is_intra ? cluster.intra_bandwidth : cluster.inter_bandwidth;
  double best = bw[layout.rank_type[ranks[0]]];
  for (int i = 1; i < count; ++i) best = std::min(best, bw[layout.rank_type[ranks[i]]]);
  return best;
}

double rank_range_bandwidth(const Layout& layout, const Cluster& cluster, int first, int count, bool inter_is_intra) {
  int a = layout.rank_node[first], b = layout.rank_node[first + count - 1];
  if (a == b) return cluster.intra_bandwidth[layout.node_type[a]];
  const auto& bw = inter_is_intra ? cluster.intra_bandwidth : cluster.inter_bandwidth;
  double best = bw[layout.node_type[a]];
  for (int n = a + 1; n <= b; ++n) best = std::min(best, bw[layout.node_type[n]]);
  return best;
}

}  // namespace chimera::metis
