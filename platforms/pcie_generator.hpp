#pragma once
// One PCIe server: `sockets` (1 or 2) CPU sockets, each with a root complex; GPUs split evenly
// over the sockets, each on its own PCIe root port (nvidia-smi topo: NODE within a socket, SYS
// across) or, with gpus_per_switch = 2 or 4, behind PCIe switches (PIX between GPUs of one
// switch) whose uplink goes to the root complex. The sockets are joined by the inter-socket
// link (UPI / Infinity Fabric). Peer-to-peer routes go GPU -> [switch] -> root complex ->
// [inter-socket] -> root complex -> [switch] -> GPU. Without P2P (consumer GPUs such as the
// RTX 4080) peer traffic is staged through host memory of the receiver's socket: the route
// also crosses that socket's memory link twice (written, then read back). Hosts "gpu0".. in
// document order; GPU g sits on socket g / (gpus / sockets).
#include <string>

#include "platforms/flat_topology.hpp"
#include "platforms/generator_common.hpp"

namespace chimera {

struct PcieParams {
  int gpus = 8;
  int sockets = 2;
  int gpus_per_switch = 0;  // 0: every GPU on its own root port
  NcclPlatformProps nccl;   // root-zone props of NCCL's collective model (LL128 off: PCIe)
  bool p2p = true;
  double pcie_bandwidth_Bps = 26e9;       // PCIe 4.0 x16, achievable DMA rate per direction
  double pcie_latency_s = 0.5e-6;         // per GPU link
  double switch_latency_s = 0.15e-6;      // per switch uplink
  double inter_socket_bandwidth_Bps = 67.2e9;
  double inter_socket_latency_s = 0.1e-6;
  double host_memory_bandwidth_Bps = 204.8e9;
  double host_memory_latency_s = 0.1e-6;
  std::string host_preset;
  double payload_efficiency = 1.0;
  bool ns3 = false;
};

int pcie_socket_of(const PcieParams& p, int gpu);
// ids start with `prefix`; the root complexes are routers "<prefix>socket<s>-rc".
FlatTopology pcie_topology(const PcieParams& p, const std::string& prefix);
std::string pcie_platform_xml(const PcieParams& p, const std::string& comment);

}  // namespace chimera
