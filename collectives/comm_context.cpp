#include "collectives/comm_context.hpp"

#include <simgrid/s4u/Actor.hpp>
#include <simgrid/s4u/Engine.hpp>
#include <simgrid/s4u/Link.hpp>
#include <simgrid/s4u/NetZone.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>

namespace chimera {

CommContext::CommContext(std::vector<simgrid::s4u::Host*> rank_hosts, CollectiveOptions options)
    : bytes_sent_by_rank(rank_hosts.size(), 0.0), rank_hosts_(std::move(rank_hosts)), options_(std::move(options)) {
  std::map<const simgrid::s4u::NetZone*, int> zones;
  for (auto* h : rank_hosts_) {
    const auto* zone = h->get_englobing_zone();
    node_of_.push_back(zones.emplace(zone, static_cast<int>(zones.size())).first->second);
  }
}

namespace {
std::uint64_t pair_key(int a, int b, int c) {
  return (std::uint64_t(a) << 40) | (std::uint64_t(b) << 16) | std::uint64_t(c & 0xffff);
}
int payload_marker;  // messages carry no data; SimGrid needs a non-null pointer
}  // namespace

simgrid::s4u::Mailbox* CommContext::mailbox(int src, int dst, int channel) {
  std::uint64_t key = pair_key(src, dst, channel);
  auto it = mailboxes_.find(key);
  if (it != mailboxes_.end()) return it->second;
  auto* mb = simgrid::s4u::Mailbox::by_name("m" + std::to_string(src) + ">" + std::to_string(dst) + "#" +
                                            std::to_string(channel));
  mailboxes_.emplace(key, mb);
  return mb;
}

double CommContext::route_latency(int src, int dst) {
  std::uint64_t key = pair_key(src, dst, 0);
  auto it = latencies_.find(key);
  if (it != latencies_.end()) return it->second;
  std::vector<simgrid::s4u::Link*> links;
  double latency = 0;
  rank_hosts_[src]->route_to(rank_hosts_[dst], links, &latency);
  latencies_.emplace(key, latency);
  return latency;
}

void ComputeBarrier::wait_for_turn() const {
  for (;;) {
    double now = simgrid::s4u::Engine::get_clock();
    if (now >= end || now == start) return;
    simgrid::s4u::this_actor::sleep_until(end);
  }
}

void ComputeBarrier::begin_compute(double seconds) {
  double now = simgrid::s4u::Engine::get_clock();
  if (now != start) start = now;
  end = std::max(end, now + seconds + 1e-9);  // + one cycle of the study's 1 GHz clock
}

void send_bytes(CommContext& ctx, int src, int dst, int channel, double bytes) {
  if (auto* b = ctx.barrier()) b->wait_for_turn();
  ctx.count_message(src, bytes);
  ctx.mailbox(src, dst, channel)->put(&payload_marker, static_cast<std::uint64_t>(std::llround(bytes)));
}

void recv_bytes(CommContext& ctx, int src, int dst, int channel) { ctx.mailbox(src, dst, channel)->get<int>(); }

}  // namespace chimera
