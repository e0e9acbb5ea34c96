#pragma once
// Where collectives and point-to-point ops send their messages: one SimGrid mailbox per
// (source rank, destination rank, channel). Messages between two ranks on one channel match
// in FIFO order, as on a NCCL communicator: programs issue the collectives of a channel in
// the same order on every member. A channel is an op's stream unless the op names another.
#include <simgrid/s4u/Host.hpp>
#include <simgrid/s4u/Mailbox.hpp>

#include <cstdint>
#include <unordered_map>
#include <vector>

namespace chimera {

class CommContext {
 public:
  explicit CommContext(std::vector<simgrid::s4u::Host*> rank_hosts);

  simgrid::s4u::Mailbox* mailbox(int src, int dst, int channel);
  simgrid::s4u::Host* host(int rank) const { return rank_hosts_[rank]; }
  int ranks() const { return static_cast<int>(rank_hosts_.size()); }

  // Simulated message bytes and messages sent so far (all ranks).
  double bytes_sent = 0;
  std::uint64_t messages_sent = 0;

 private:
  std::vector<simgrid::s4u::Host*> rank_hosts_;
  std::unordered_map<std::uint64_t, simgrid::s4u::Mailbox*> mailboxes_;
};

// Blocking point-to-point transfer of `bytes` from `src` to `dst` on `channel` (rendezvous:
// the transfer starts once both sides have posted).
void send_bytes(CommContext& ctx, int src, int dst, int channel, double bytes);
void recv_bytes(CommContext& ctx, int src, int dst, int channel);

}  // namespace chimera
