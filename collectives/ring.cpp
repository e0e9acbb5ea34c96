#include "collectives/ring.hpp"

#include <algorithm>
#include <stdexcept>

#include "collectives/side_by_side.hpp"
#include "workloads/channels.hpp"

namespace chimera {

Task<> ring_rounds(CollectiveCall c, const std::vector<int>& ring, int rounds, double chunk, int reduce_rounds,
                   bool bidirectional) {
  const int n = static_cast<int>(ring.size());
  if (n <= 1 || rounds <= 0) co_return;
  const int i = static_cast<int>(std::find(ring.begin(), ring.end(), c.rank) - ring.begin());
  const int next = ring[(i + 1) % n], prev = ring[(i + n - 1) % n];
  Sends sends;
  Receives recvs;
  const double wire = chunk * c.wire_factor;
  if (bidirectional && n > 2) {
    sends = {{next, wire / 2}, {prev, wire / 2}};
    recvs = {prev, next};
  } else {
    sends = {{next, wire}};
    recvs = {prev};
  }
  if (c.aggregated()) {
    for (Send& s : sends) s.bytes *= rounds;
    co_await exchange(c, sends, recvs);
    co_await local_reduce(c, chunk * reduce_rounds);
    co_await extra_round_latency(c, prev, c.rank, rounds);
    co_return;
  }
  for (int r = 0; r < rounds; ++r) {
    // A member forwards round r+1 only once round r's chunk has arrived (and is reduced).
    co_await exchange(c, sends, recvs);
    if (r < reduce_rounds) co_await local_reduce(c, chunk);
  }
}

namespace {

Task<> shift_all_to_all(CollectiveCall c) {
  const auto& g = c.group.ranks;
  const int n = c.group.size(), i = c.group.index_of(c.rank);
  const double piece = c.bytes / n;
  if (c.aggregated()) {  // every shift has its own peer: one flow each, all at once
    Sends sends;
    Receives recvs;
    for (int s = 1; s < n; ++s) sends.push_back({g[(i + s) % n], piece}), recvs.push_back(g[(i + n - s) % n]);
    co_await exchange(c, std::move(sends), std::move(recvs));
    co_return;
  }
  for (int s = 1; s < n; ++s) co_await exchange(c, send_to(g[(i + s) % n], piece), receive_from(g[(i + n - s) % n]));
}

// Chain from position 0 (broadcast) or towards it (reduce), pipelined in chunks: a member
// forwards chunk k as soon as it has it (and, for reduce, has added its own).
Task<> chain(CollectiveCall c, bool towards_root) {
  const auto& g = c.group.ranks;
  const int n = c.group.size(), i = c.group.index_of(c.rank);
  if (n <= 1) co_return;
  int chunks = c.ctx.options().chain_chunks > 0 ? c.ctx.options().chain_chunks : n;
  if (c.aggregated()) chunks = 1;
  const double piece = c.bytes / chunks;
  // Broadcast: data flows 0 -> 1 -> ... -> n-1. Reduce: n-1 -> ... -> 0.
  const int upstream = towards_root ? (i + 1 < n ? g[i + 1] : -1) : (i > 0 ? g[i - 1] : -1);
  const int downstream = towards_root ? (i > 0 ? g[i - 1] : -1) : (i + 1 < n ? g[i + 1] : -1);
  Transfers pending_send;
  for (int k = 0; k < chunks; ++k) {
    if (upstream >= 0) {
      co_await exchange(c, Sends{}, receive_from(upstream));
      if (towards_root) co_await local_reduce(c, piece);
    }
    if (downstream >= 0) {
      co_await c.loop.wait_all(pending_send);  // one chunk in flight downstream at a time
      pending_send.clear();
      co_await post(c, send_to(downstream, piece), Receives{}, pending_send);
    }
  }
  co_await c.loop.wait_all(pending_send);
}

// NCCL across nodes: one ring per rail, side by side on their own lanes, each carrying 1/L of
// the data. Ring k visits every node's members starting at local index k, so it leaves a node
// from local k-1 and enters the next at local k: each GPU's NIC sends for one ring and receives
// for one (NCCL's channels, each through another NIC).
Task<> rail_rings(CollectiveCall c, const std::vector<std::vector<int>>& nodes) {
  const int per_node = static_cast<int>(nodes.front().size());
  const int lanes = std::min(per_node, channels::kMaxLanes), n = c.group.size();
  int rounds = n - 1, reduce_rounds = 0;
  if (c.op.collective == CollectiveKind::all_reduce) rounds = 2 * (n - 1), reduce_rounds = n - 1;
  if (c.op.collective == CollectiveKind::reduce_scatter) reduce_rounds = n - 1;
  std::vector<std::vector<int>> orders(lanes);
  for (int k = 0; k < lanes; ++k)
    for (const auto& node : nodes)
      for (int j = 0; j < per_node; ++j) orders[k].push_back(node[(k + j) % per_node]);
  std::vector<Task<>> rings;
  for (int k = 0; k < lanes; ++k)
    rings.push_back(ring_rounds(c.on_channel(channels::lane(c.channel, k)), orders[k], rounds, c.bytes / lanes / n,
                                reduce_rounds));
  co_await side_by_side(c.loop, std::move(rings));
}

}  // namespace

Task<> ring_collective(CollectiveCall c, bool bidirectional) {
  const int n = c.group.size();
  const double chunk = c.bytes / n;
  const CollectiveKind k = c.op.collective;
  if (!bidirectional && c.ctx.options().nccl.enabled &&
      (k == CollectiveKind::all_reduce || k == CollectiveKind::reduce_scatter || k == CollectiveKind::all_gather)) {
    const auto& nodes = c.ctx.members_by_node(c.group);
    if (nodes.size() > 1 && nodes.front().size() > 1) return rail_rings(c, nodes);
  }
  switch (c.op.collective) {
    case CollectiveKind::reduce_scatter: return ring_rounds(c, c.group.ranks, n - 1, chunk, n - 1, bidirectional);
    case CollectiveKind::all_gather: return ring_rounds(c, c.group.ranks, n - 1, chunk, 0, bidirectional);
    case CollectiveKind::all_reduce: return ring_rounds(c, c.group.ranks, 2 * (n - 1), chunk, n - 1, bidirectional);
    case CollectiveKind::all_to_all: return shift_all_to_all(c);
    case CollectiveKind::broadcast: return chain(c, false);
    case CollectiveKind::reduce: return chain(c, true);
    default: throw std::logic_error("ring: unsupported collective");
  }
}

}  // namespace chimera
