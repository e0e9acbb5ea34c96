#include "collectives/hierarchical_ring.hpp"

#include <stdexcept>

#include "collectives/ring.hpp"

namespace chimera {
namespace {

// Ranks of the ring through `rank`'s position along dimension d.
std::vector<int> ring_along(const Group& g, const std::vector<int>& dims, int position, int d) {
  int stride = 1;
  for (int i = 0; i < d; ++i) stride *= dims[i];
  const int coord = (position / stride) % dims[d];
  const int base = position - coord * stride;
  std::vector<int> ring;
  for (int x = 0; x < dims[d]; ++x) ring.push_back(g.ranks[base + x * stride]);
  return ring;
}

void shifts_along(CollectiveCall& c, const std::vector<int>& ring, double piece) {
  const int n = static_cast<int>(ring.size());
  int i = 0;
  while (ring[i] != c.rank) ++i;
  for (int s = 1; s < n; ++s) exchange(c.ctx, c.rank, c.channel, {{ring[(i + s) % n], piece}}, {ring[(i + n - s) % n]});
}

}  // namespace

void hierarchical_ring_collective(CollectiveCall& c) {
  const std::vector<int> dims = c.group.dims();
  const int n = c.group.size(), p = c.group.index_of(c.rank);
  const int nd = static_cast<int>(dims.size());
  auto reduce_scatter = [&] {
    double part = c.bytes;  // data each member still holds
    for (int d = 0; d < nd; ++d) {
      part /= dims[d];
      ring_rounds(c, ring_along(c.group, dims, p, d), dims[d] - 1, part, dims[d] - 1);
    }
  };
  auto all_gather = [&] {
    double part = c.bytes / n;  // what each member contributes in this phase
    for (int d = 0; d < nd; ++d) {
      ring_rounds(c, ring_along(c.group, dims, p, d), dims[d] - 1, part, 0);
      part *= dims[d];
    }
  };
  switch (c.op.collective) {
    case CollectiveKind::reduce_scatter: return reduce_scatter();
    case CollectiveKind::all_gather: return all_gather();
    case CollectiveKind::all_reduce:
      reduce_scatter();
      return all_gather();
    case CollectiveKind::all_to_all:
      for (int d = 0; d < nd; ++d) shifts_along(c, ring_along(c.group, dims, p, d), c.bytes / dims[d]);
      return;
    default: throw std::logic_error("hierarchical ring: unsupported collective");
  }
}

}  // namespace chimera
