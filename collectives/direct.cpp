#include "collectives/direct.hpp"

#include <cmath>
#include <stdexcept>

namespace chimera {
namespace {

// Aggregated, a member sends to at most this many peers, evenly spaced round the group.
constexpr int kAggregatedPeers = 8;

void all_pairs(CollectiveCall& c, double piece, bool reduce) {
  const auto& g = c.group.ranks;
  const int n = c.group.size(), i = c.group.index_of(c.rank);
  std::vector<int> shifts;
  if (c.aggregated() && n - 1 > kAggregatedPeers) {
    // n(n-1) concurrent flows cost the max-min solver about O(flows^2): send the same volume
    // to a few evenly spaced peers instead. Every port still carries (n-1) pieces, so the time is
    // exact on non-blocking switches; elsewhere the traffic matrix is sampled.
    for (int j = 1; j <= kAggregatedPeers; ++j) shifts.push_back(static_cast<int>(std::lround(double(j) * n / (kAggregatedPeers + 1))));
    piece *= double(n - 1) / kAggregatedPeers;
  } else {
    for (int s = 1; s < n; ++s) shifts.push_back(s);
  }
  std::vector<Send> sends;
  std::vector<int> recvs;
  for (int s : shifts) sends.push_back({g[(i + s) % n], piece}), recvs.push_back(g[(i + n - s) % n]);
  exchange(c.ctx, c.rank, c.channel, sends, recvs);
  if (reduce) local_reduce(c.ctx, c.rank, piece * double(recvs.size()));
}

}  // namespace

void direct_collective(CollectiveCall& c) {
  const int n = c.group.size();
  const int root = c.group.ranks[0];
  switch (c.op.collective) {
    case CollectiveKind::reduce_scatter: return all_pairs(c, c.bytes / n, true);
    case CollectiveKind::all_gather: return all_pairs(c, c.bytes / n, false);
    case CollectiveKind::all_reduce:
      all_pairs(c, c.bytes / n, true);
      return all_pairs(c, c.bytes / n, false);
    case CollectiveKind::all_to_all: return all_pairs(c, c.bytes / n, false);
    case CollectiveKind::broadcast:
      if (c.rank == root) {
        std::vector<Send> sends;
        for (int r : c.group.ranks)
          if (r != root) sends.push_back({r, c.bytes});
        return exchange(c.ctx, c.rank, c.channel, sends, {});
      }
      return exchange(c.ctx, c.rank, c.channel, {}, {root});
    case CollectiveKind::reduce:
      if (c.rank == root) {
        std::vector<int> recvs;
        for (int r : c.group.ranks)
          if (r != root) recvs.push_back(r);
        exchange(c.ctx, c.rank, c.channel, {}, recvs);
        return local_reduce(c.ctx, c.rank, c.bytes * double(recvs.size()));
      }
      return exchange(c.ctx, c.rank, c.channel, {{root, c.bytes}}, {});
    default: throw std::logic_error("direct: unsupported collective");
  }
}

}  // namespace chimera
