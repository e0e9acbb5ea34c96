#include "collectives/ring.hpp"

#include <simgrid/s4u/Comm.hpp>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace chimera {

void ring_rounds(CollectiveCall& c, const std::vector<int>& ring, int rounds, double chunk, int reduce_rounds,
                 bool bidirectional) {
  const int n = static_cast<int>(ring.size());
  if (n <= 1 || rounds <= 0) return;
  const int i = static_cast<int>(std::find(ring.begin(), ring.end(), c.rank) - ring.begin());
  const int next = ring[(i + 1) % n], prev = ring[(i + n - 1) % n];
  std::vector<Send> sends;
  std::vector<int> recvs;
  if (bidirectional && n > 2) {
    sends = {{next, chunk / 2}, {prev, chunk / 2}};
    recvs = {prev, next};
  } else {
    sends = {{next, chunk}};
    recvs = {prev};
  }
  if (c.aggregated()) {
    for (Send& s : sends) s.bytes *= rounds;
    exchange(c.ctx, c.rank, c.channel, sends, recvs);
    local_reduce(c.ctx, c.rank, chunk * reduce_rounds);
    extra_round_latency(c.ctx, prev, c.rank, rounds);
    return;
  }
  for (int r = 0; r < rounds; ++r) {
    // A member forwards round r+1 only once round r's chunk has arrived (and is reduced).
    exchange(c.ctx, c.rank, c.channel, sends, recvs);
    if (r < reduce_rounds) local_reduce(c.ctx, c.rank, chunk);
  }
}

namespace {

void shift_all_to_all(CollectiveCall& c) {
  const auto& g = c.group.ranks;
  const int n = c.group.size(), i = c.group.index_of(c.rank);
  const double piece = c.bytes / n;
  if (c.aggregated()) {  // every shift has its own peer: one flow each, all at once
    std::vector<Send> sends;
    std::vector<int> recvs;
    for (int s = 1; s < n; ++s) sends.push_back({g[(i + s) % n], piece}), recvs.push_back(g[(i + n - s) % n]);
    exchange(c.ctx, c.rank, c.channel, sends, recvs);
    return;
  }
  for (int s = 1; s < n; ++s) exchange(c.ctx, c.rank, c.channel, {{g[(i + s) % n], piece}}, {g[(i + n - s) % n]});
}

// Chain from position 0 (broadcast) or towards it (reduce), pipelined in chunks: a member
// forwards chunk k as soon as it has it (and, for reduce, has added its own).
void chain(CollectiveCall& c, bool towards_root) {
  const auto& g = c.group.ranks;
  const int n = c.group.size(), i = c.group.index_of(c.rank);
  if (n <= 1) return;
  int chunks = c.ctx.options().chain_chunks > 0 ? c.ctx.options().chain_chunks : n;
  if (c.aggregated()) chunks = 1;
  const double piece = c.bytes / chunks;
  // Broadcast: data flows 0 -> 1 -> ... -> n-1. Reduce: n-1 -> ... -> 0.
  const int upstream = towards_root ? (i + 1 < n ? g[i + 1] : -1) : (i > 0 ? g[i - 1] : -1);
  const int downstream = towards_root ? (i > 0 ? g[i - 1] : -1) : (i + 1 < n ? g[i + 1] : -1);
  static int marker;
  simgrid::s4u::CommPtr pending_send;
  for (int k = 0; k < chunks; ++k) {
    if (upstream >= 0) {
      int* sink = nullptr;
      c.ctx.mailbox(upstream, c.rank, c.channel)->get_async<int>(&sink)->wait();
      if (towards_root) local_reduce(c.ctx, c.rank, piece);
    }
    if (downstream >= 0) {
      if (pending_send) pending_send->wait();
      c.ctx.count_message(c.rank, piece);
      pending_send = c.ctx.mailbox(c.rank, downstream, c.channel)
                         ->put_async(&marker, static_cast<std::uint64_t>(std::llround(piece)));
    }
  }
  if (pending_send) pending_send->wait();
}

}  // namespace

void ring_collective(CollectiveCall& c, bool bidirectional) {
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
