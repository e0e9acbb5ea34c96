#include "collectives/transfers.hpp"

#include <simgrid/s4u/Comm.hpp>
#include <simgrid/s4u/Engine.hpp>
#include <xbt/log.h>

#include <cmath>

XBT_LOG_EXTERNAL_DEFAULT_CATEGORY(chimera_collectives);

namespace chimera {
namespace {

int payload_marker;  // messages carry no data; SimGrid needs a non-null pointer
int* receive_sink;   // where SimGrid writes the marker's address on receipt (never read)

}  // namespace

Task<> post(Endpoint e, Sends sends, Receives receives, Transfers& posted) {
  if (auto* b = e.ctx.barrier()) co_await b->turn(e.loop);
  for (const Send& s : sends) {
    XBT_VERB("rank %d -> rank %d: %.17g bytes on channel %d", e.rank, s.to, s.bytes, e.channel);
    e.ctx.count_message(e.rank, s.bytes);
    simgrid::s4u::CommPtr c = e.ctx.mailbox(e.rank, s.to, e.channel)
                                  ->put_init(&payload_marker, static_cast<std::uint64_t>(std::llround(s.bytes)));
    e.loop.start(c);
    posted.push_back(std::move(c));
  }
  for (int from : receives) {
    simgrid::s4u::CommPtr c = e.ctx.mailbox(from, e.rank, e.channel)->get_init();
    c->set_dst_data(reinterpret_cast<void**>(&receive_sink), sizeof(void*));
    e.loop.start(c);
    posted.push_back(std::move(c));
  }
}

Task<> exchange(Endpoint e, Sends sends, Receives receives) {
  Transfers comms;
  co_await post(e, std::move(sends), std::move(receives), comms);
  co_await e.loop.wait_all(comms);
}

Task<> local_reduce(Endpoint e, double bytes) {
  const auto& per_byte = e.ctx.options().reduction_seconds_per_byte;
  if (per_byte.empty() || bytes <= 0) co_return;
  double seconds = bytes * per_byte[e.rank];
  if (seconds <= 0) co_return;
  // A local reduction is a compute event: under the compat barrier it holds everyone else.
  if (auto* b = e.ctx.barrier()) {
    co_await b->turn(e.loop);
    b->begin_compute(seconds);
  }
  co_await e.loop.sleep_for(seconds);
}

Task<> extra_round_latency(Endpoint e, int from, int to, int rounds) {
  if (rounds > 1) co_await e.loop.sleep_for((rounds - 1) * e.ctx.route_latency(from, to));
}

bool is_power_of_two(int n) { return n > 0 && (n & (n - 1)) == 0; }

}  // namespace chimera
