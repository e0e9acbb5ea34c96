#include "collectives/hierarchical.hpp"

#include <stdexcept>

#include "collectives/ring.hpp"

namespace chimera {

Task<> hierarchical_collective(CollectiveCall c) {
  const auto& nodes = c.ctx.members_by_node(c.group);
  if (nodes.empty()) throw std::logic_error("hierarchical: uneven nodes");
  const int L = static_cast<int>(nodes.front().size()), N = static_cast<int>(nodes.size());
  std::vector<int> local, across;
  for (const auto& node : nodes)
    for (int i = 0; i < L; ++i)
      if (node[i] == c.rank) local = node;
  int my_index = 0;
  while (local[my_index] != c.rank) ++my_index;
  for (const auto& node : nodes) across.push_back(node[my_index]);

  const double M = c.bytes;
  bool reduce = false, gather = false;  // the reduce-scatter half, the all-gather half
  switch (c.op.collective) {
    case CollectiveKind::all_reduce: reduce = gather = true; break;
    case CollectiveKind::reduce_scatter: reduce = true; break;
    case CollectiveKind::all_gather: gather = true; break;
    default: throw std::logic_error("hierarchical: unsupported collective");
  }
  if (reduce) {  // ring reduce-scatter inside the node, then across nodes
    co_await ring_rounds(c, local, L - 1, M / L, L - 1);
    co_await ring_rounds(c, across, N - 1, M / L / N, N - 1);
  }
  if (gather) {  // ring all-gather across nodes, then inside the node
    co_await ring_rounds(c, across, N - 1, M / L / N, 0);
    co_await ring_rounds(c, local, L - 1, M / L, 0);
  }
}

}  // namespace chimera
