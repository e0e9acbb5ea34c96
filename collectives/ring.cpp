#include "collectives/ring.hpp"

#include <algorithm>
#include <stdexcept>

namespace chimera {

Task<> ring_rounds(CollectiveCall c, const std::vector<int>& ring, int rounds, double chunk, int reduce_rounds,
                   bool bidirectional) {
  const int n = static_cast<int>(ring.size());
  if (n <= 1 || rounds <= 0) co_return;
  const int i = static_cast<int>(std::find(ring.begin(), ring.end(), c.rank) - ring.begin());
  const int next = ring[(i + 1) % n], prev = ring[(i + n - 1) % n];
  Sends sends;
  Receives recvs;
  if (bidirectional && n > 2) {
    sends = {{next, chunk / 2}, {prev, chunk / 2}};
    recvs = {prev, next};
  } else {
    sends = {{next, chunk}};
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

}  // namespace

Task<> ring_collective(CollectiveCall c, bool bidirectional) {
  const int n = c.group.size();
  const double chunk = c.bytes / n;
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
