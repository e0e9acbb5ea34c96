#pragma once
// The building blocks every algorithm uses: posting messages (the one send and the one
// receive of the simulator: they count bytes, wait for the compute barrier's turn, carry the
// one payload marker), a round of concurrent sends and receives, a local reduction, and the
// latency of the rounds an aggregated flow stands for. All are Tasks of the rank's loop.
#include <boost/container/small_vector.hpp>
#include <simgrid/s4u/Activity.hpp>

#include <vector>

#include "collectives/comm_context.hpp"
#include "collectives/task.hpp"

namespace chimera {

struct Send {
  int to;
  double bytes;
};
using Sends = boost::container::small_vector<Send, 4>;
using Receives = boost::container::small_vector<int, 4>;  // source ranks
using Transfers = boost::container::small_vector<simgrid::s4u::ActivityPtr, 4>;
// One message each way. (GCC 12 cannot keep an initializer list alive across a co_await: build
// lists with these, or in a named variable, not as Sends{{to, bytes}} inside the co_await.)
inline Sends send_to(int to, double bytes) {
  Sends s;
  s.push_back({to, bytes});
  return s;
}
inline Receives receive_from(int from) {
  Receives r;
  r.push_back(from);
  return r;
}

// Where a rank sends from: its context, its loop, its rank and the channel it talks on.
struct Endpoint {
  CommContext& ctx;
  RankLoop& loop;
  int rank;
  int channel;
};

// One collective call as seen by one member.
struct CollectiveCall : Endpoint {
  const Op& op;
  const Group& group;     // the members; for multicast / m2ms the sources
  const Group* targets;   // multicast / m2ms targets, else null
  double bytes;        // the op's size argument
  // Bytes on the wire per payload byte (NCCL's LL / LL128 protocols: flags in every line;
  // collectives/nccl_model.hpp); 1 otherwise.
  double wire_factor = 1.0;
  bool aggregated() const { return ctx.options().granularity == Granularity::aggregated; }
  // The same call on another channel (a second lane of the algorithm).
  CollectiveCall on_channel(int other) const {
    CollectiveCall c = *this;
    c.channel = other;
    return c;
  }
};

// Posts every send, then every receive, on the endpoint's channel (rendezvous: a transfer
// starts once both sides have posted) and appends them to `posted`. Under the compute barrier
// the posting waits for its turn: each call is one event of the research engine.
Task<> post(Endpoint e, Sends sends, Receives receives, Transfers& posted);

// A round: posts the sends and receives and waits for all of them.
Task<> exchange(Endpoint e, Sends sends, Receives receives);

// The reduction of `bytes` just received into the local buffer (free unless enabled).
Task<> local_reduce(Endpoint e, double bytes);

// In aggregated mode one flow stands for `rounds` rounds: the flow pays one route latency,
// this adds the other rounds - 1.
Task<> extra_round_latency(Endpoint e, int from, int to, int rounds);

bool is_power_of_two(int n);

}  // namespace chimera
