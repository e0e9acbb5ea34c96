#include "collectives/comm_context.hpp"

#include <cmath>
#include <string>

namespace chimera {

CommContext::CommContext(std::vector<simgrid::s4u::Host*> rank_hosts) : rank_hosts_(std::move(rank_hosts)) {}

simgrid::s4u::Mailbox* CommContext::mailbox(int src, int dst, int channel) {
  std::uint64_t key = (std::uint64_t(src) << 40) | (std::uint64_t(dst) << 16) | std::uint64_t(channel);
  auto it = mailboxes_.find(key);
  if (it != mailboxes_.end()) return it->second;
  auto* mb = simgrid::s4u::Mailbox::by_name("m" + std::to_string(src) + ">" + std::to_string(dst) + "#" +
                                            std::to_string(channel));
  mailboxes_.emplace(key, mb);
  return mb;
}

namespace {
int payload_marker;  // messages carry no data; SimGrid needs a non-null pointer
}

void send_bytes(CommContext& ctx, int src, int dst, int channel, double bytes) {
  ctx.bytes_sent += bytes;
  ctx.messages_sent++;
  ctx.mailbox(src, dst, channel)->put(&payload_marker, static_cast<std::uint64_t>(std::llround(bytes)));
}

void recv_bytes(CommContext& ctx, int src, int dst, int channel) {
  ctx.mailbox(src, dst, channel)->get<int>();
}

}  // namespace chimera
