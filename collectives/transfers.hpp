#pragma once
// The building blocks every algorithm uses: one round of concurrent sends and receives, a
// local reduction, and the latency of the rounds an aggregated flow stands for.
#include <vector>

#include "collectives/comm_context.hpp"

namespace chimera {

struct Send {
  int to;
  double bytes;
};

// One collective call as seen by one member.
struct CollectiveCall {
  CommContext& ctx;
  const Op& op;
  const Group& group;     // the members; for multicast / m2ms the sources
  const Group* targets;   // multicast / m2ms targets, else null
  int rank;
  int channel;
  double bytes;  // the op's size argument
  bool aggregated() const { return ctx.options().granularity == Granularity::aggregated; }
};

// Posts every send and receive of a round at once and waits for all of them.
void exchange(CommContext& ctx, int rank, int channel, const std::vector<Send>& sends, const std::vector<int>& recv_from);

// The reduction of `bytes` just received into the local buffer (free unless enabled).
void local_reduce(CommContext& ctx, int rank, double bytes);

// In aggregated mode one flow stands for `rounds` rounds: the flow pays one route latency,
// this adds the other rounds - 1.
void extra_round_latency(CommContext& ctx, int from, int to, int rounds);

bool is_power_of_two(int n);

}  // namespace chimera
