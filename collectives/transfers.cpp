#include "collectives/transfers.hpp"

#include <simgrid/s4u/Actor.hpp>
#include <simgrid/s4u/Comm.hpp>

#include <cmath>

namespace chimera {
namespace {
int payload_marker;
}

void exchange(CommContext& ctx, int rank, int channel, const std::vector<Send>& sends, const std::vector<int>& recv_from) {
  // Each round is an event of its own for the compat compute barrier.
  if (auto* b = ctx.barrier()) b->wait_for_turn();
  std::vector<simgrid::s4u::CommPtr> comms;
  comms.reserve(sends.size() + recv_from.size());
  std::vector<int*> sinks(recv_from.size(), nullptr);
  for (const Send& s : sends) {
    ctx.count_message(rank, s.bytes);
    comms.push_back(ctx.mailbox(rank, s.to, channel)
                        ->put_async(&payload_marker, static_cast<std::uint64_t>(std::llround(s.bytes))));
  }
  for (std::size_t i = 0; i < recv_from.size(); ++i)
    comms.push_back(ctx.mailbox(recv_from[i], rank, channel)->get_async<int>(&sinks[i]));
  simgrid::s4u::Comm::wait_all(comms);
}

void local_reduce(CommContext& ctx, int rank, double bytes) {
  const auto& per_byte = ctx.options().reduction_seconds_per_byte;
  if (per_byte.empty() || bytes <= 0) return;
  double seconds = bytes * per_byte[rank];
  if (seconds <= 0) return;
  // A local reduction is a compute event: under the compat barrier it holds everyone else.
  if (auto* b = ctx.barrier()) {
    b->wait_for_turn();
    b->begin_compute(seconds);
  }
  simgrid::s4u::this_actor::sleep_for(seconds);
}

void extra_round_latency(CommContext& ctx, int from, int to, int rounds) {
  if (rounds > 1) simgrid::s4u::this_actor::sleep_for((rounds - 1) * ctx.route_latency(from, to));
}

bool is_power_of_two(int n) { return n > 0 && (n & (n - 1)) == 0; }

}  // namespace chimera
