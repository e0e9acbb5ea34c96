#include "collectives/direct.hpp"

#include <stdexcept>

namespace chimera {
namespace {

void all_pairs(CollectiveCall& c, double piece, bool reduce) {
  std::vector<Send> sends;
  std::vector<int> recvs;
  for (int r : c.group.ranks)
    if (r != c.rank) sends.push_back({r, piece}), recvs.push_back(r);
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
