#pragma once
// The platform of a heterogeneous cluster as the Metis planner describes it (a hostfile plus a
// cluster file): nodes of different GPU types, each node with its own intra-node bandwidth,
// joined through one NIC per node to a switch. One host per GPU, carrying the hardware preset
// of its node's GPU type.
//
// Zones: the root (Full) holds one zone per node (Full) and the switch link. Node n holds its
// hosts "node<n>-gpu<g>", a split-duplex port per GPU ("node<n>-gpu<g>-nvlink", intra-node
// bandwidth, role nvlink) to the node's switch, and its NIC ("node<n>-nic", inter-node
// bandwidth, role nic) behind the router "node<n>-nic". Routes: GPU a -> GPU b of one node
// crosses a's port UP and b's port DOWN; GPU -> another node crosses the source node's NIC UP,
// the switch (a fat pipe: latency only, role switch) and the destination node's NIC DOWN. GPU
// ports are not on inter-node routes (the NIC hangs off the host's PCIe, not off the GPU's
// intra-node port), so inter-node traffic contends only at the NICs: all GPUs of a node share
// its one NIC.
//
// Engine-free (writes XML text); the loader applies presets and roles.
#include <string>
#include <vector>

namespace chimera {

struct MetisNode {
  int gpus = 0;
  std::string preset;          // compute preset of every GPU of the node ("a100")
  double intra_bandwidth_Bps = 0;  // per GPU port and direction
  double inter_bandwidth_Bps = 0;  // the node's NIC, per direction
  std::string label;           // for the XML comment, e.g. "0.0.0.4 A100"
};

struct MetisPlatformParams {
  std::vector<MetisNode> nodes;  // hostfile order
  // Latencies the cluster file does not give: assumed orders of magnitude, as in the cluster
  // generator (NVSwitch port 0.5 us, NIC and cable 1 us, switch traversal 0.2 us).
  double port_latency_s = 0.5e-6;
  double nic_latency_s = 1e-6;
  double switch_latency_s = 0.2e-6;
};

// "node<n>-gpu<g>"
std::string metis_host_name(int node, int gpu);

// Throws std::invalid_argument on an empty cluster, a node without GPUs or a non-positive
// bandwidth (callers check their inputs first and report them as input errors).
std::string metis_platform_xml(const MetisPlatformParams& p, const std::string& comment);

}  // namespace chimera
