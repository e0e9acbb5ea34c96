#include "collectives/ring.hpp"

#include <simgrid/s4u/Comm.hpp>

#include <cmath>

namespace chimera {
namespace {
int payload_marker;
}

void ring_steps(CommContext& ctx, const Group& g, int rank, int stream, int steps, double chunk_bytes) {
  const int n = g.size();
  if (n <= 1 || steps <= 0) return;
  const int i = g.index_of(rank);
  const int next = g.ranks[(i + 1) % n];
  const int prev = g.ranks[(i + n - 1) % n];
  auto* out = ctx.mailbox(rank, next, stream);
  auto* in = ctx.mailbox(prev, rank, stream);
  const auto size = static_cast<std::uint64_t>(std::llround(chunk_bytes));
  for (int s = 0; s < steps; ++s) {
    int* received = nullptr;
    auto send = out->put_async(&payload_marker, size);
    auto recv = in->get_async<int>(&received);
    ctx.bytes_sent += chunk_bytes;
    ctx.messages_sent++;
    // A member forwards step s+1 only once step s's chunk has arrived (it must be reduced
    // or copied first) and its own send has drained.
    recv->wait();
    send->wait();
  }
}

void ring_allreduce(CommContext& ctx, const Group& g, int rank, int stream, double bytes) {
  ring_steps(ctx, g, rank, stream, 2 * (g.size() - 1), bytes / g.size());
}

void ring_reduce_scatter(CommContext& ctx, const Group& g, int rank, int stream, double bytes) {
  ring_steps(ctx, g, rank, stream, g.size() - 1, bytes / g.size());
}

void ring_allgather(CommContext& ctx, const Group& g, int rank, int stream, double bytes) {
  ring_steps(ctx, g, rank, stream, g.size() - 1, bytes / g.size());
}

}  // namespace chimera
