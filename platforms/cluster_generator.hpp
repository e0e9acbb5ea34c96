#pragma once
// A multi-node cluster: nodes (an NVSwitch board or a PCIe server each) joined by NICs.
//
// Zones: cluster (Floyd, groups and a spine zone) > group (Full) > node (nvswitch: Floyd over
// one-link edges; pcie: Full). A node zone holds its GPUs, its internal links and a router
// "node<n>-nic" that gateways the node; each GPU reaches it through its NIC (nvswitch nodes: GPU
// g uses NIC g * nics / gpus through the node's PCIe fabric, GPUDirect RDMA; pcie nodes: the
// socket's NIC, after the GPU's PCIe link, and through host memory when the GPUs cannot do
// P2P/RDMA). A group
// is the set of nodes under one non-blocking first tier: a rail-optimised scalable unit (rail
// switches of `nodes_per_unit` nodes) or a leaf switch of a leaf/spine fat-tree
// (`nodes_per_leaf`). Within a group, routes cross the group switch (a FATPIPE link: latency,
// no sharing); between groups they also cross the source group's uplink and the destination
// group's uplink the other way (one split-duplex link per group carrying the group's NIC
// bandwidth divided by the oversubscription ratio: ECMP over the spines as one ideal bundle;
// its latency covers the way up to the spine, a route between groups crosses two).
//
// SimGrid's XML <cluster> zones only take hosts as leaves, so a multi-GPU node cannot be one of
// their leaves; nested Full zones give the same routes with per-GPU NICs. Hosts are
// "node<n>-gpu<g>", document order = node * gpus_per_node + g.
#include <string>

#include "platforms/nvswitch_generator.hpp"
#include "platforms/pcie_generator.hpp"
#include "platforms/xml_platform.hpp"

namespace chimera {

enum class ClusterNode { nvswitch, pcie };
enum class ClusterFabric { rail, fat_tree };

struct ClusterParams {
  int nodes = 16;
  ClusterNode node = ClusterNode::nvswitch;
  NvswitchParams nvswitch;  // gpus, ports, contention (node = nvswitch)
  NcclPlatformProps nccl;   // root-zone props of NCCL's collective model
  PcieParams pcie;          // gpus, sockets, PCIe figures (node = pcie)
  int nics_per_node = 8;
  double nic_bandwidth_Bps = 50e9;  // 400 Gb/s
  double nic_latency_s = 1e-6;
  ClusterFabric fabric = ClusterFabric::rail;
  int nodes_per_group = 32;
  double group_switch_latency_s = 0.2e-6;
  double uplink_latency_s = 0.6e-6;
  double oversubscription = 1.0;
  double payload_efficiency = 1.0;
};

int cluster_gpus_per_node(const ClusterParams& p);
std::string cluster_platform_xml(const ClusterParams& p, const std::string& comment);
// The same platform as values (what cluster_platform_xml writes).
xml::Zone cluster_platform_zone(const ClusterParams& p);

}  // namespace chimera
