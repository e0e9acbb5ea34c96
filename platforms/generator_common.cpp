#include "platforms/generator_common.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "compute/hardware_preset.hpp"

namespace chimera {

xml::Host gpu_host(const std::string& id, const std::string& preset) {
  xml::Host h;
  h.id = id;
  if (!preset.empty()) h.props.emplace_back("preset", preset);
  return h;
}

xml::Props link_props(const std::string& role, double payload_efficiency, const std::string& contention) {
  xml::Props p;
  p.emplace_back("role", role);
  if (payload_efficiency != 1.0) p.emplace_back("payload_efficiency", fmt::format("{}", payload_efficiency));
  if (!contention.empty()) p.emplace_back("contention", contention);
  return p;
}

const std::vector<NvlinkPreset>& nvlink_presets() {
  // NVLink per direction = links x 25 GB/s per link per direction (NVLink 3 and 4 both run a
  // link at 50 GB/s bidirectional).
  // Simple's share: 8 x H100 ring all-reduce (NCCL_ALGO=RING) reaches 365-370 GB/s bus bandwidth
  // at 2-4 GiB for 2 to 8 GPUs ("with the protocol overhead (~20%) NCCL can get an effective
  // NVLink bandwidth of 370GB/s", NCCL maintainers; issue 16): 367.5 / 450 = 0.817. A100 and
  // H20 are not measured here and take the H100's share.
  static const std::vector<NvlinkPreset> presets = {
      {"a100", 300e9, "NVIDIA A100 datasheet: NVLink 3, 12 links, 600 GB/s bidirectional", 0.817, false,
       "extrapolated from 8 x H100 (NCCL ring 367.5 of 450 GB/s)"},
      {"h100", 450e9, "NVIDIA H100 SXM datasheet: NVLink 4, 18 links, 900 GB/s bidirectional", 0.817, true,
       "8 x H100 NCCL ring all-reduce 365-370 GB/s bus bandwidth (issue 16)"},
      {"h20", 450e9, "NVIDIA H20 specification: NVLink 900 GB/s bidirectional", 0.817, true,
       "extrapolated from 8 x H100 (NCCL ring 367.5 of 450 GB/s)"},
  };
  return presets;
}

void add_nccl_props(xml::Props& props, const NcclPlatformProps& n) {
  props.emplace_back("collective_model", n.enabled ? "nccl" : "flows");
  if (!n.enabled) return;
  if (n.nvls) props.emplace_back("nvls", "true");
  if (!n.ll128) props.emplace_back("ll128", "false");
  if (n.nvls && n.nvls_efficiency > 0) props.emplace_back("nvls_efficiency", fmt::format("{}", n.nvls_efficiency));
}

const NvlinkPreset* find_nvlink_preset(const std::string& name) {
  for (const auto& p : nvlink_presets())
    if (p.name == name) return &p;
  return nullptr;
}

std::vector<std::string> nvlink_preset_names() {
  std::vector<std::string> out;
  for (const auto& p : nvlink_presets()) out.push_back(p.name);
  return out;
}

bool is_compute_preset(const std::string& name) {
  auto names = hardware_preset_names();
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace chimera
