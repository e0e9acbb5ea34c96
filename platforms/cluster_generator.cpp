#include "platforms/cluster_generator.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "platforms/generator_common.hpp"

namespace chimera {
namespace {

// An NVSwitch node as a Floyd zone with one-link edges: GPU <-> NVSwitch (its NVLink port) and
// GPU <-> NIC router (its NIC, then the node's PCIe fabric, a fat pipe: latency 0, no sharing).
// Floyd's shortest paths keep GPU-to-GPU traffic on NVLink (2 links against 4 through the NIC
// router) and send network traffic through the GPU's own NIC (2 links against 4). Edges instead
// of every GPU pair keep the file small: SimGrid resolves each link reference by searching all
// zones parsed so far, so parse time grows with zones x references.
xml::Zone nvswitch_node_zone(const ClusterParams& p, int n) {
  const std::string prefix = fmt::format("node{}-", n);
  const double eff = p.payload_efficiency;
  NvswitchParams q = p.nvswitch;  // its own payload efficiency: NCCL Simple's share on NVLink unless given
  FlatTopology t = nvswitch_topology(q, prefix);  // hosts, the switch router, NVLink ports
  const std::string sw = prefix + "nvswitch", nic_router = prefix + "nic", fabric = prefix + "pcie";
  xml::Zone z;
  z.id = fmt::format("node{}", n);
  z.routing = "Floyd";
  z.hosts = t.hosts;
  z.routers = {sw, nic_router};
  for (const auto& l : t.links) z.links.push_back(l.link);
  for (int j = 0; j < p.nics_per_node; ++j)
    z.links.push_back({fmt::format("{}nic{}", prefix, j), p.nic_bandwidth_Bps, p.nic_latency_s, xml::Sharing::split_duplex,
                       link_props("nic", eff)});
  z.links.push_back({fabric, p.nics_per_node * p.nic_bandwidth_Bps, 0, xml::Sharing::fatpipe, link_props("pcie", eff)});
  for (int g = 0; g < q.gpus; ++g) {
    const std::string& host = t.hosts[g].id;
    z.routes.push_back({host, sw, "", "", {up(host + "-nvlink")}, true});
    z.routes.push_back(
        {host, nic_router, "", "", {through(fabric), up(fmt::format("{}nic{}", prefix, g * p.nics_per_node / q.gpus))}, true});
  }
  return z;
}

// A PCIe node: its flat topology (explicit GPU-pair routes: the host-memory detour is no
// shortest path), plus the NIC router and a route from each GPU to it.
xml::Zone pcie_node_zone(const ClusterParams& p, int n) {
  const std::string prefix = fmt::format("node{}-", n);
  const double eff = p.payload_efficiency;
  PcieParams q = p.pcie;
  FlatTopology t = pcie_topology(q, prefix);
  const std::string nic_router = prefix + "nic";
  t.routers.push_back(nic_router);
  for (int j = 0; j < p.nics_per_node; ++j) {
    FlatLink l{{fmt::format("{}nic{}", prefix, j), p.nic_bandwidth_Bps, p.nic_latency_s, xml::Sharing::split_duplex,
                link_props("nic", eff)},
               "", nic_router};
    t.add_link(std::move(l));  // UP: towards the network
  }
  for (int g = 0; g < q.gpus; ++g) {
    xml::Route r;
    r.src = t.hosts[g].id;
    r.dst = nic_router;
    r.symmetrical = true;
    const int s = pcie_socket_of(q, g);
    r.hops.push_back(up(t.hosts[g].id + "-pcie"));
    if (q.gpus_per_switch > 0)
      r.hops.push_back(
          up(fmt::format("{}socket{}-switch{}-uplink", prefix, s, (g % (q.gpus / q.sockets)) / q.gpus_per_switch)));
    if (!q.p2p) {  // no GPUDirect RDMA: staged through host memory
      r.hops.push_back(through(fmt::format("{}socket{}-memory", prefix, s)));
      r.hops.push_back(through(fmt::format("{}socket{}-memory", prefix, s)));
    }
    r.hops.push_back(up(fmt::format("{}nic{}", prefix, s * p.nics_per_node / q.sockets)));
    t.routes.push_back(std::move(r));
  }
  return flow_zone(t, fmt::format("node{}", n));
}

xml::Zone node_zone(const ClusterParams& p, int n) {
  return p.node == ClusterNode::nvswitch ? nvswitch_node_zone(p, n) : pcie_node_zone(p, n);
}

}  // namespace

int cluster_gpus_per_node(const ClusterParams& p) {
  return p.node == ClusterNode::nvswitch ? p.nvswitch.gpus : p.pcie.gpus;
}

std::string cluster_platform_xml(const ClusterParams& p, const std::string& comment) {
  return xml::write_platform(cluster_platform_zone(p), comment);
}

xml::Zone cluster_platform_zone(const ClusterParams& p) {
  if (p.nodes < 1 || p.nodes_per_group < 1 || p.nics_per_node < 1 || p.oversubscription < 1)
    throw std::logic_error("cluster: invalid parameters");
  const int groups = (p.nodes + p.nodes_per_group - 1) / p.nodes_per_group;
  const char* group_word = p.fabric == ClusterFabric::rail ? "unit" : "leaf";
  const double node_nic_Bps = p.nics_per_node * p.nic_bandwidth_Bps;

  // Top level: Floyd over the groups and a spine zone, so that its size grows with the number of
  // groups, not its square (SimGrid computes the routes when the platform is sealed).
  xml::Zone cluster;
  cluster.id = "cluster";
  cluster.routing = "Floyd";
  xml::Zone spine;
  spine.id = "spine";
  spine.routers = {"spine-router"};
  cluster.zones.push_back(spine);
  for (int grp = 0; grp < groups; ++grp) {
    const int first = grp * p.nodes_per_group;
    const int count = std::min(p.nodes_per_group, p.nodes - first);
    const std::string gid = fmt::format("{}{}", group_word, grp);
    xml::Zone group;
    group.id = gid;
    group.routing = "Full";
    // The group switch is a router; a zone holding sub-zones cannot hold routers (DTD), so it
    // gets a zone of its own.
    xml::Zone sw;
    sw.id = gid + "-switch";
    sw.routers = {gid + "-router"};
    group.zones.push_back(sw);
    for (int n = first; n < first + count; ++n) group.zones.push_back(node_zone(p, n));
    const std::string fabric = gid + "-switch";
    group.links.push_back({fabric, count * node_nic_Bps, p.group_switch_latency_s, xml::Sharing::fatpipe,
                           link_props("switch", p.payload_efficiency)});
    for (int a = first; a < first + count; ++a) {
      for (int b = a + 1; b < first + count; ++b)
        group.routes.push_back({fmt::format("node{}", a), fmt::format("node{}", b), fmt::format("node{}-nic", a),
                                fmt::format("node{}-nic", b), {through(fabric)}, true});
      group.routes.push_back({fmt::format("node{}", a), sw.id, fmt::format("node{}-nic", a), gid + "-router",
                              {through(fabric)}, true});
    }
    cluster.zones.push_back(std::move(group));
    cluster.links.push_back({gid + "-uplink", count * node_nic_Bps / p.oversubscription, p.uplink_latency_s,
                             xml::Sharing::split_duplex, link_props("uplink", p.payload_efficiency)});
    cluster.routes.push_back({gid, "spine", gid + "-router", "spine-router", {up(gid + "-uplink")}, true});
  }
  add_nccl_props(cluster.props, p.nccl);
  return cluster;
}

}  // namespace chimera
