#pragma once
// What collectives need from the running simulation: the host of each rank, message channels
// (one SimGrid mailbox per (source rank, destination rank, channel); messages between two
// ranks on one channel match in FIFO order, as on a NCCL communicator, so programs issue the
// collectives of a channel in the same order on every member), route latencies, which node
// (englobing zone) each rank sits in, and the collective options of the run.
#include <simgrid/s4u/Host.hpp>
#include <simgrid/s4u/Mailbox.hpp>

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "workloads/program.hpp"

namespace chimera {

enum class Granularity {
  step,        // every message of every round is a flow
  aggregated,  // one flow per peer per phase; the other rounds' latencies are added analytically
};

struct CollectiveOptions {
  Granularity granularity = Granularity::step;
  // Local reduction after each receive of a reducing collective, in seconds per byte, per
  // rank (empty: reductions are free).
  std::vector<double> reduction_seconds_per_byte;
  // Chunks per tree of the double binary tree (0: about one per 512 KiB, 1 to 64).
  int tree_chunks = 0;
  // Chunks of a pipelined ring broadcast / reduce (0: one per member).
  int chain_chunks = 0;
  // The platform's preferred algorithm (a <prop id="collective_algorithm"> of its root zone),
  // used by `auto` when it fits the group.
  CollectiveAlgorithm platform_default = CollectiveAlgorithm::automatic;
  // The research engine's global compute barrier (see ComputeBarrier); off by default.
  bool compute_barrier = false;
};

// The ISCA'25 engine's rule (its Runner.py): when a compute starts anywhere, every event not
// yet started anywhere waits until that compute ends (plus one cycle); transfers already
// issued keep flowing, and computes ready at the same instant start together. Our default
// engine has no such barrier: each GPU's streams overlap freely. This compat mode exists to
// compare against the original.
struct ComputeBarrier {
  double start = -1;  // when the computes holding the barrier started
  double end = 0;     // when everyone may go on
  // Blocks the calling actor until an event may start now. Computes call begin_compute next.
  void wait_for_turn() const;
  // Registers a compute of `seconds` starting now.
  void begin_compute(double seconds);
};

class CommContext {
 public:
  CommContext(std::vector<simgrid::s4u::Host*> rank_hosts, CollectiveOptions options = {});

  simgrid::s4u::Mailbox* mailbox(int src, int dst, int channel);
  simgrid::s4u::Host* host(int rank) const { return rank_hosts_[rank]; }
  int ranks() const { return static_cast<int>(rank_hosts_.size()); }
  // Index of the netzone that directly contains the rank's host: the rank's node.
  int node_of(int rank) const { return node_of_[rank]; }
  // Summed latency of the route from src's host to dst's host (cached).
  double route_latency(int src, int dst);
  const CollectiveOptions& options() const { return options_; }
  // The global compute barrier, or null when the engine runs without it.
  ComputeBarrier* barrier() { return options_.compute_barrier ? &barrier_ : nullptr; }

  void count_message(int src, double bytes) {
    bytes_sent_by_rank[src] += bytes;
    bytes_sent += bytes;
    messages_sent++;
  }
  std::vector<double> bytes_sent_by_rank;
  double bytes_sent = 0;
  std::uint64_t messages_sent = 0;

 private:
  std::vector<simgrid::s4u::Host*> rank_hosts_;
  std::vector<int> node_of_;
  CollectiveOptions options_;
  ComputeBarrier barrier_;
  std::unordered_map<std::uint64_t, simgrid::s4u::Mailbox*> mailboxes_;
  std::unordered_map<std::uint64_t, double> latencies_;
};

// Blocking point-to-point transfer of `bytes` from `src` to `dst` on `channel` (rendezvous:
// the transfer starts once both sides have posted).
void send_bytes(CommContext& ctx, int src, int dst, int channel, double bytes);
void recv_bytes(CommContext& ctx, int src, int dst, int channel);

}  // namespace chimera
