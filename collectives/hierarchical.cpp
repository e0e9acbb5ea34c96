#include "collectives/hierarchical.hpp"

#include <map>
#include <stdexcept>

#include "collectives/ring.hpp"

namespace chimera {

std::vector<std::vector<int>> members_by_node(CommContext& ctx, const Group& g) {
  std::vector<std::vector<int>> nodes;
  std::map<int, std::size_t> index;
  for (int r : g.ranks) {
    auto [it, fresh] = index.emplace(ctx.node_of(r), nodes.size());
    if (fresh) nodes.emplace_back();
    nodes[it->second].push_back(r);
  }
  for (const auto& n : nodes)
    if (n.size() != nodes.front().size()) return {};
  return nodes;
}

void hierarchical_collective(CollectiveCall& c) {
  auto nodes = members_by_node(c.ctx, c.group);
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
  auto inside_rs = [&] { ring_rounds(c, local, L - 1, M / L, L - 1); };
  auto inside_ag = [&] { ring_rounds(c, local, L - 1, M / L, 0); };
  auto across_rs = [&] { ring_rounds(c, across, N - 1, M / L / N, N - 1); };
  auto across_ag = [&] { ring_rounds(c, across, N - 1, M / L / N, 0); };
  switch (c.op.collective) {
    case CollectiveKind::all_reduce:
      inside_rs();
      across_rs();
      across_ag();
      return inside_ag();
    case CollectiveKind::reduce_scatter:
      inside_rs();
      return across_rs();
    case CollectiveKind::all_gather:
      across_ag();
      return inside_ag();
    default: throw std::logic_error("hierarchical: unsupported collective");
  }
}

}  // namespace chimera
