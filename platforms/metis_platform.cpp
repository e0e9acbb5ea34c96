#include "platforms/metis_platform.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "platforms/flat_topology.hpp"
#include "platforms/generator_common.hpp"
#include "platforms/nvswitch_generator.hpp"

namespace chimera {
namespace {

// A node: its GPUs on a contention-free switch of per-GPU ports (the cluster file gives one
// intra-node figure and nothing about contention), plus its NIC behind a router.
xml::Zone node_zone(const MetisPlatformParams& p, const MetisNode& node, int n) {
  const std::string prefix = fmt::format("node{}-", n);
  NvswitchParams q;
  q.gpus = node.gpus;
  q.port_bandwidth_Bps = node.intra_bandwidth_Bps;
  q.port_latency_s = p.port_latency_s;
  q.contention = false;
  q.host_preset = node.preset;
  FlatTopology t = nvswitch_topology(q, prefix);
  const std::string nic = prefix + "nic";
  t.routers.push_back(nic);
  FlatLink l{{nic, node.inter_bandwidth_Bps, p.nic_latency_s, xml::Sharing::split_duplex, link_props("nic", 1.0)}, "", nic};
  t.add_link(std::move(l));
  for (int g = 0; g < node.gpus; ++g) t.routes.push_back({t.hosts[g].id, nic, "", "", {up(nic)}, true});
  return flow_zone(t, fmt::format("node{}", n));
}

}  // namespace

std::string metis_host_name(int node, int gpu) { return fmt::format("node{}-gpu{}", node, gpu); }

std::string metis_platform_xml(const MetisPlatformParams& p, const std::string& comment) {
  if (p.nodes.empty()) throw std::invalid_argument("metis platform: no nodes");
  double switch_Bps = 0;
  for (const auto& node : p.nodes) {
    if (node.gpus < 1) throw std::invalid_argument("metis platform: a node without GPUs");
    if (!(node.intra_bandwidth_Bps > 0) || !(node.inter_bandwidth_Bps > 0))
      throw std::invalid_argument("metis platform: non-positive bandwidth");
    switch_Bps += node.inter_bandwidth_Bps;
  }
  xml::Zone root;
  root.id = "metis-cluster";
  root.routing = "Full";
  for (std::size_t n = 0; n < p.nodes.size(); ++n) root.zones.push_back(node_zone(p, p.nodes[n], static_cast<int>(n)));
  if (p.nodes.size() > 1) {
    // The switch as a fat pipe as wide as all NICs together: it adds latency, never sharing.
    root.links.push_back({"switch", switch_Bps, p.switch_latency_s, xml::Sharing::fatpipe, link_props("switch", 1.0)});
    for (std::size_t a = 0; a < p.nodes.size(); ++a)
      for (std::size_t b = a + 1; b < p.nodes.size(); ++b)
        root.routes.push_back({fmt::format("node{}", a), fmt::format("node{}", b), fmt::format("node{}-nic", a),
                               fmt::format("node{}-nic", b), {through("switch")}, true});
  }
  return xml::write_platform(root, comment);
}

}  // namespace chimera
