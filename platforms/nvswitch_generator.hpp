#pragma once
// One NVSwitch-based board (DGX/HGX-like): n GPUs, each with a split-duplex NVLink port of B
// per direction to a non-blocking switch. A GPU-to-GPU route crosses the sender's UP port and
// the receiver's DOWN port (bandwidth B, latency 2 l). Contention (off unless asked for):
// a receiving (DOWN) port carries B x efficiency(flows converging on it), per the curve
// (platforms/contention.hpp), installed by the loader with SimGrid's non-linear sharing; a
// sender's egress is not derated (platforms/README.md says why). Optionally a shared
// backplane crossed by every route. Hosts are "gpu0".."gpu{n-1}" in document order.
#include <string>

#include "platforms/contention.hpp"
#include "platforms/flat_topology.hpp"
#include "platforms/generator_common.hpp"

namespace chimera {

struct NvswitchParams {
  int gpus = 8;
  std::string preset = "a100";       // NVLink preset (port bandwidth) and default host preset
  double port_bandwidth_Bps = 300e9;
  double port_latency_s = 0.5e-6;
  bool contention = false;  // off by default: no measurement supports a curve (platforms/README.md)
  ContentionCurve curve;             // empty: linear to 0.5 with gpus - 1 concurrent flows
  double backplane_Bps = 0;          // 0: no shared backplane
  std::string host_preset;           // <prop id="preset"> of every GPU ("" = none)
  double payload_efficiency = 1.0;
  bool ns3 = false;                  // one-link routes via a switch router (contention must be off)
  NcclPlatformProps nccl;            // root-zone props of NCCL's collective model
};

// The board's hosts, ports and routes; ids start with `prefix` ("node3-" in a cluster).
FlatTopology nvswitch_topology(const NvswitchParams& p, const std::string& prefix);
// The effective curve (the default when p.curve is empty).
ContentionCurve nvswitch_curve(const NvswitchParams& p);
std::string nvswitch_platform_xml(const NvswitchParams& p, const std::string& comment);

}  // namespace chimera
