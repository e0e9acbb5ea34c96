#pragma once
// Small pieces every platform generator uses: GPU hosts with their hardware preset, link
// properties (role, payload efficiency, contention curve), the NVLink presets.
#include <string>
#include <vector>

#include "platforms/xml_platform.hpp"

namespace chimera {

// A GPU host; `preset` (a compute preset name, may be empty) becomes <prop id="preset">.
xml::Host gpu_host(const std::string& id, const std::string& preset);

// <prop> list of a link: role, then payload_efficiency (when not 1), then contention (when set).
xml::Props link_props(const std::string& role, double payload_efficiency, const std::string& contention = "");

// Per-GPU NVLink bandwidth per direction of an NVSwitch-based board.
struct NvlinkPreset {
  std::string name;
  double port_bandwidth_Bps;
  std::string source;
  // NCCL's Simple protocol's share of the port (ring all-reduce bus bandwidth / port), the
  // NVLink links' payload efficiency on a platform that runs NCCL's model.
  double simple_efficiency;
  bool nvls;  // NVLink SHARP in the switch (NVSwitch 3, Hopper)
  std::string efficiency_source;
};

// The root-zone props of NCCL's collective model (collectives/nccl_model.hpp).
struct NcclPlatformProps {
  bool enabled = true;
  bool nvls = false;
  double nvls_efficiency = 0;  // 0: the model's default
  bool ll128 = true;           // NCCL enables LL128 by default only on NVLink
};
void add_nccl_props(xml::Props& props, const NcclPlatformProps& n);
const std::vector<NvlinkPreset>& nvlink_presets();
const NvlinkPreset* find_nvlink_preset(const std::string& name);
std::vector<std::string> nvlink_preset_names();

// True when `name` is a built-in compute preset (so a generator may mark hosts with it).
bool is_compute_preset(const std::string& name);

// Generators that write a route for every pair of GPUs (nvswitch, pcie, mesh2d, torus2d,
// torus3d, dgx2) take at most this many GPUs. Measured (fuzz/README.md): 128 GPUs are at most
// 16,256 routes, written in about a second; 256 took 3 to 7 s and up to 24 MB; a 32 x 32 mesh
// ran out of 4 GB after two minutes. A larger machine is a cluster of such nodes (kind =
// "cluster") or a SimGrid <cluster> (kind = "star", "dragonfly").
inline constexpr int kMaxRoutedGpus = 128;

}  // namespace chimera
