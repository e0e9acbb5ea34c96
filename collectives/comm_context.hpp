#pragma once
// What collectives need from the running simulation: the host of each rank, message channels
// (one SimGrid mailbox per (source rank, destination rank, channel); messages between two
// ranks on one channel match in FIFO order, as on a NCCL communicator, so programs issue the
// collectives of a channel in the same order on every member), route latencies, which node
// (englobing zone) each rank sits in, per-group facts worked out once (the algorithm `auto`
// stands for, members by node), and the collective options of the run.
#include <simgrid/s4u/Host.hpp>
#include <simgrid/s4u/Mailbox.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "collectives/collective_options.hpp"
#include "collectives/nccl_model.hpp"
#include "collectives/rank_loop.hpp"
#include "workloads/program.hpp"

namespace chimera {

// The ISCA'25 engine's rule (its Runner.py): when a compute starts anywhere, every event not
// yet started anywhere waits until that compute ends (plus one cycle); transfers already
// issued keep flowing, and computes ready at the same instant start together. Our default
// engine has no such barrier: each GPU's streams overlap freely. This compat mode exists to
// compare against the original.
struct ComputeBarrier {
  double start = -1;  // when the computes holding the barrier started
  double end = 0;     // when everyone may go on
  // True when an event may start now.
  bool may_start_now() const;
  // Suspends the calling task until an event may start now. Computes call begin_compute next.
  Task<> turn(RankLoop& loop) const;
  // Registers a compute of `seconds` starting now.
  void begin_compute(double seconds);
};

class CommContext {
 public:
  CommContext(std::vector<simgrid::s4u::Host*> rank_hosts, CollectiveOptions options = {});

  // The channel from src to dst. The first one between two hosts checks that the platform has a
  // route between them (InputError naming both; SimGrid would abort at the transfer).
  simgrid::s4u::Mailbox* mailbox(int src, int dst, int channel);
  // How errors name the platform (its file, or the generator's description).
  void set_platform_name(std::string name) { platform_name_ = std::move(name); }
  simgrid::s4u::Host* host(int rank) const { return rank_hosts_[rank]; }
  int ranks() const { return static_cast<int>(rank_hosts_.size()); }
  // Index of the netzone that directly contains the rank's host: the rank's node.
  int node_of(int rank) const { return node_of_[rank]; }
  // Summed latency of the route from src's host to dst's host (cached).
  double route_latency(int src, int dst);
  const CollectiveOptions& options() const { return options_; }
  // The global compute barrier, or null when the engine runs without it.
  ComputeBarrier* barrier() { return options_.compute_barrier ? &barrier_ : nullptr; }

  // The members of `g` grouped by node, in order of first appearance; empty if the nodes
  // hold different numbers of members (worked out once per group).
  const std::vector<std::vector<int>>& members_by_node(const Group& g);
  // Memo of the algorithm an op resolves to, by (group, kind, requested algorithm): null
  // before remember_resolved.
  const CollectiveAlgorithm* resolved(const Group& group, const Op& op) const;
  void remember_resolved(const Group& group, const Op& op, CollectiveAlgorithm a);
  // What NCCL's model needs of a group (nodes, the class, payload bandwidth and latency of a
  // route inside a node and across nodes, rails), worked out once per group.
  const NcclGroupFacts& nccl_facts(const Group& g);

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
  // Keys pack (src, dst, channel) into high, middle and low bits; std::hash of an integer is
  // the integer itself, and libstdc++ takes it modulo a prime bucket count, which bunches such
  // keys into few buckets for some bucket counts (measured: 12% of a 256-rank ring all-reduce's
  // instructions in this lookup; 0.5% at 512 ranks). A bit mixer spreads them.
  struct KeyHash {
    std::size_t operator()(std::uint64_t k) const noexcept {
      k ^= k >> 33;  // MurmurHash3's 64-bit finaliser
      k *= 0xff51afd7ed558ccdULL;
      k ^= k >> 33;
      k *= 0xc4ceb9fe1a85ec53ULL;
      k ^= k >> 33;
      return static_cast<std::size_t>(k);
    }
  };
  std::unordered_map<std::uint64_t, simgrid::s4u::Mailbox*, KeyHash> mailboxes_;
  std::unordered_map<std::uint64_t, double, KeyHash> latencies_;
  std::unordered_set<std::uint64_t, KeyHash> routed_;  // host pairs whose route was checked
  std::string platform_name_;
  void check_route(int src, int dst);
  std::unordered_map<const Group*, std::vector<std::vector<int>>> nodes_;
  struct AlgorithmKey {
    const Group* group;
    CollectiveKind kind;
    CollectiveAlgorithm requested;
    double bytes;  // 0 unless the NCCL model chooses by size
    bool operator==(const AlgorithmKey&) const = default;
  };
  struct AlgorithmKeyHash {
    std::size_t operator()(const AlgorithmKey& k) const;
  };
  AlgorithmKey key_of(const Group& group, const Op& op) const;
  std::unordered_map<AlgorithmKey, CollectiveAlgorithm, AlgorithmKeyHash> resolved_;
  std::unordered_map<const Group*, NcclGroupFacts> facts_;
};

}  // namespace chimera
