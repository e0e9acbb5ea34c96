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

Task<> shifts_along(CollectiveCall c, std::vector<int> ring, double piece) {
  const int n = static_cast<int>(ring.size());
  int i = 0;
  while (ring[i] != c.rank) ++i;
  for (int s = 1; s < n; ++s) co_await exchange(c, send_to(ring[(i + s) % n], piece), receive_from(ring[(i + n - s) % n]));
}

Task<> reduce_scatter(CollectiveCall c, const std::vector<int>& dims, int p) {
  double part = c.bytes;  // data each member still holds
  for (int d = 0; d < static_cast<int>(dims.size()); ++d) {
    part /= dims[d];
    const std::vector<int> ring = ring_along(c.group, dims, p, d);
    co_await ring_rounds(c, ring, dims[d] - 1, part, dims[d] - 1);
  }
}

Task<> all_gather(CollectiveCall c, const std::vector<int>& dims, int p) {
  double part = c.bytes / c.group.size();  // what each member contributes in this phase
  for (int d = 0; d < static_cast<int>(dims.size()); ++d) {
    const std::vector<int> ring = ring_along(c.group, dims, p, d);
    co_await ring_rounds(c, ring, dims[d] - 1, part, 0);
    part *= dims[d];
  }
}

}  // namespace

Task<> hierarchical_ring_collective(CollectiveCall c) {
  const std::vector<int> dims = c.group.dims();
  const int p = c.group.index_of(c.rank);
  switch (c.op.collective) {
    case CollectiveKind::reduce_scatter: co_await reduce_scatter(c, dims, p); break;
    case CollectiveKind::all_gather: co_await all_gather(c, dims, p); break;
    case CollectiveKind::all_reduce:
      co_await reduce_scatter(c, dims, p);
      co_await all_gather(c, dims, p);
      break;
    case CollectiveKind::all_to_all:
      for (int d = 0; d < static_cast<int>(dims.size()); ++d)
        co_await shifts_along(c, ring_along(c.group, dims, p, d), c.bytes / dims[d]);
      break;
    default: throw std::logic_error("hierarchical ring: unsupported collective");
  }
}

}  // namespace chimera
