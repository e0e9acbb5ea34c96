#include "collectives/direct.hpp"

#include <cmath>
#include <stdexcept>

namespace chimera {
namespace {

// Aggregated, a member sends to at most this many peers, evenly spaced round the group.
constexpr int kAggregatedPeers = 8;

Task<> all_pairs(CollectiveCall c, double piece, bool reduce) {
  const auto& g = c.group.ranks;
  const int n = c.group.size(), i = c.group.index_of(c.rank);
  boost::container::small_vector<int, 8> shifts;
  if (c.aggregated() && n - 1 > kAggregatedPeers) {
    // n(n-1) concurrent flows cost the max-min solver about O(flows^2): send the same volume
    // to a few evenly spaced peers instead. Every port still carries (n-1) pieces, so the time is
    // exact on non-blocking switches; elsewhere the traffic matrix is sampled.
    for (int j = 1; j <= kAggregatedPeers; ++j) shifts.push_back(static_cast<int>(std::lround(double(j) * n / (kAggregatedPeers + 1))));
    piece *= double(n - 1) / kAggregatedPeers;
  } else {
    for (int s = 1; s < n; ++s) shifts.push_back(s);
  }
  Sends sends;
  Receives recvs;
  for (int s : shifts) sends.push_back({g[(i + s) % n], piece}), recvs.push_back(g[(i + n - s) % n]);
  const double received = piece * double(recvs.size());
  co_await exchange(c, std::move(sends), std::move(recvs));
  if (reduce) co_await local_reduce(c, received);
}

Task<> all_reduce(CollectiveCall c) {
  co_await all_pairs(c, c.bytes / c.group.size(), true);
  co_await all_pairs(c, c.bytes / c.group.size(), false);
}

Task<> broadcast(CollectiveCall c, int root) {
  Sends sends;
  Receives recvs;
  if (c.rank == root) {
    for (int r : c.group.ranks)
      if (r != root) sends.push_back({r, c.bytes});
  } else {
    recvs.push_back(root);
  }
  co_await exchange(c, std::move(sends), std::move(recvs));
}

Task<> reduce(CollectiveCall c, int root) {
  Sends sends;
  Receives recvs;
  if (c.rank == root) {
    for (int r : c.group.ranks)
      if (r != root) recvs.push_back(r);
  } else {
    sends.push_back({root, c.bytes});
  }
  const double received = c.bytes * double(recvs.size());
  co_await exchange(c, std::move(sends), std::move(recvs));
  if (c.rank == root) co_await local_reduce(c, received);
}

}  // namespace

Task<> direct_collective(CollectiveCall c) {
  const int n = c.group.size();
  const int root = c.group.ranks[0];
  switch (c.op.collective) {
    case CollectiveKind::reduce_scatter: return all_pairs(c, c.bytes / n, true);
    case CollectiveKind::all_gather: return all_pairs(c, c.bytes / n, false);
    case CollectiveKind::all_reduce: return all_reduce(c);
    case CollectiveKind::all_to_all: return all_pairs(c, c.bytes / n, false);
    case CollectiveKind::broadcast: return broadcast(c, root);
    case CollectiveKind::reduce: return reduce(c, root);
    default: throw std::logic_error("direct: unsupported collective");
  }
}

}  // namespace chimera
