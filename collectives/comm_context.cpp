#include "collectives/comm_context.hpp"

#include <set>
#include <limits>
#include <string_view>

#include <fmt/format.h>
#include <simgrid/s4u/Engine.hpp>
#include <simgrid/s4u/Link.hpp>
#include <simgrid/s4u/NetZone.hpp>

#include <algorithm>
#include <map>
#include <stdexcept>

#include "common/input_error.hpp"

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

// src and dst below 2^22, channel below 2^20 (lanes of a collective: workloads/channels.hpp):
// one 64-bit key per mailbox.
std::uint64_t pair_key(int src, int dst, int channel) {
  if (src < 0 || dst < 0 || src >= (1 << 22) || dst >= (1 << 22) || channel < 0 || channel >= (1 << 20))
    throw std::logic_error(fmt::format("message {} -> {} on channel {}: out of the mailbox key's range", src, dst, channel));
  return (std::uint64_t(src) << 42) | (std::uint64_t(dst) << 20) | std::uint64_t(channel);
}

}  // namespace

simgrid::s4u::Mailbox* CommContext::mailbox(int src, int dst, int channel) {
  std::uint64_t key = pair_key(src, dst, channel);
  auto it = mailboxes_.find(key);
  if (it != mailboxes_.end()) return it->second;
  check_route(src, dst);
  auto* mb = simgrid::s4u::Mailbox::by_name(fmt::format("m{}>{}#{}", src, dst, channel));
  mailboxes_.emplace(key, mb);
  return mb;
}

void CommContext::check_route(int src, int dst) {
  if (rank_hosts_[src] == rank_hosts_[dst] || !routed_.insert(pair_key(src, dst, 0)).second) return;
  std::vector<simgrid::s4u::Link*> links;
  double latency = 0;
  std::string problem;
  try {
    rank_hosts_[src]->route_to(rank_hosts_[dst], links, &latency);
  } catch (const std::exception& e) {  // Floyd and Dijkstra zones throw where Full ones return nothing
    problem = std::string(": ") + e.what();
  }
  if (problem.empty() && (!links.empty() || latency > 0)) return;
  throw InputError({}, platform_name_.empty() ? "platform" : "platform " + platform_name_,
                   fmt::format("no route from host {} (rank {}) to host {} (rank {}), which exchange messages{}",
                               rank_hosts_[src]->get_name(), src, rank_hosts_[dst]->get_name(), dst, problem),
                   "a platform that connects every pair of GPUs that communicate (chimera-sim platform check FILE "
                   "lists the missing routes)");
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

const std::vector<std::vector<int>>& CommContext::members_by_node(const Group& g) {
  auto it = nodes_.find(&g);
  if (it != nodes_.end()) return it->second;
  std::vector<std::vector<int>> nodes;
  std::map<int, std::size_t> index;
  for (int r : g.ranks) {
    auto [pos, fresh] = index.emplace(node_of(r), nodes.size());
    if (fresh) nodes.emplace_back();
    nodes[pos->second].push_back(r);
  }
  for (const auto& n : nodes)
    if (n.size() != nodes.front().size()) nodes.clear();
  return nodes_.emplace(&g, std::move(nodes)).first->second;
}

std::size_t CommContext::AlgorithmKeyHash::operator()(const AlgorithmKey& k) const {
  return std::hash<const void*>()(k.group) ^ (std::size_t(k.kind) << 1) ^ (std::size_t(k.requested) << 9) ^
         (std::hash<double>()(k.bytes) << 3);
}

CommContext::AlgorithmKey CommContext::key_of(const Group& group, const Op& op) const {
  // NCCL chooses per call by size; without the NCCL model the choice does not depend on it.
  return {&group, op.collective, op.algorithm, options_.nccl.enabled ? op.bytes : 0.0};
}

const CollectiveAlgorithm* CommContext::resolved(const Group& group, const Op& op) const {
  auto it = resolved_.find(key_of(group, op));
  return it == resolved_.end() ? nullptr : &it->second;
}

void CommContext::remember_resolved(const Group& group, const Op& op, CollectiveAlgorithm a) {
  resolved_.emplace(key_of(group, op), a);
}

namespace {

// NCCL's class of a route: the network if it crosses a NIC, PCI if it crosses PCIe, the
// inter-socket link or host memory, else NVLink.
NcclHw route_class(const std::vector<simgrid::s4u::Link*>& links) {
  NcclHw h = NcclHw::nvlink;
  for (auto* l : links) {
    const char* role = l->get_property("role");
    if (!role) continue;
    std::string_view r = role;
    if (r == "nic" || r == "switch" || r == "uplink" || r == "backbone") return NcclHw::net;
    if (r == "pcie" || r == "upi" || r == "host-memory") h = NcclHw::pci;
  }
  return h;
}

}  // namespace

const NcclGroupFacts& CommContext::nccl_facts(const Group& g) {
  auto it = facts_.find(&g);
  if (it != facts_.end()) return it->second;
  NcclGroupFacts f;
  f.ranks = g.size();
  std::set<int> nodes;
  for (int r : g.ranks) nodes.insert(node_of(r));
  f.nodes = static_cast<int>(nodes.size());
  auto route = [&](int a, int b, double& bandwidth, double& latency) {
    std::vector<simgrid::s4u::Link*> links;
    latency = 0;
    rank_hosts_[a]->route_to(rank_hosts_[b], links, &latency);
    bandwidth = std::numeric_limits<double>::infinity();
    for (auto* l : links) bandwidth = std::min(bandwidth, l->get_bandwidth());
    return route_class(links);
  };
  const auto& by_node = members_by_node(g);
  // Inside a node: the first two members of one node (of the group's first node with two).
  int a = -1, b = -1;
  for (std::size_t i = 0; i < g.ranks.size() && b < 0; ++i)
    for (std::size_t j = i + 1; j < g.ranks.size(); ++j)
      if (node_of(g.ranks[i]) == node_of(g.ranks[j])) {
        a = g.ranks[i], b = g.ranks[j];
        break;
      }
  if (b >= 0) f.intra = route(a, b, f.intra_bandwidth_Bps, f.intra_latency_s);
  if (f.nodes > 1) {
    int x = g.ranks.front(), y = -1;
    for (int r : g.ranks)
      if (node_of(r) != node_of(x)) {
        y = r;
        break;
      }
    (void)route(x, y, f.inter_bandwidth_Bps, f.inter_latency_s);
    if (b < 0) f.intra = NcclHw::net, f.intra_bandwidth_Bps = f.inter_bandwidth_Bps, f.intra_latency_s = f.inter_latency_s;
    f.rails = by_node.empty() ? 1 : static_cast<int>(by_node.front().size());
  }
  return facts_.emplace(&g, f).first->second;
}

bool ComputeBarrier::may_start_now() const {
  const double now = simgrid::s4u::Engine::get_clock();
  return now >= end || now == start;
}

Task<> ComputeBarrier::turn(RankLoop& loop) const {
  // sleep_until(end), as the research engine's actors did: a sleep of end - now.
  while (!may_start_now()) co_await loop.sleep_for(end - simgrid::s4u::Engine::get_clock());
}

void ComputeBarrier::begin_compute(double seconds) {
  double now = simgrid::s4u::Engine::get_clock();
  if (now != start) start = now;
  end = std::max(end, now + seconds + 1e-9);  // + one cycle of the study's 1 GHz clock
}

}  // namespace chimera
