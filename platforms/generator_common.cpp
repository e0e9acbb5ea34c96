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
  static const std::vector<NvlinkPreset> presets = {
      {"a100", 300e9, "NVIDIA A100 datasheet: NVLink 3, 12 links, 600 GB/s bidirectional"},
      {"h100", 450e9, "NVIDIA H100 SXM datasheet: NVLink 4, 18 links, 900 GB/s bidirectional"},
      {"h20", 450e9, "NVIDIA H20 specification: NVLink 900 GB/s bidirectional"},
  };
  return presets;
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
