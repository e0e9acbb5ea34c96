#pragma once
// A hardware preset: what one GPU (or accelerator) can compute, read from a TOML file under
// compute/presets/ (embedded in the binary) or from a user's own file.
#include <string>
#include <string_view>
#include <vector>

namespace chimera {

struct HardwarePreset {
  std::string name;         // "a100"
  std::string description;  // "NVIDIA A100 SXM4 80 GB"
  std::string source;       // where the figures come from
  double peak_flops = 0;            // dense FP16/BF16 FLOP/s
  double memory_bandwidth_Bps = 0;  // DRAM (HBM) bandwidth
  double memory_bytes = 0;          // DRAM capacity
};

// `name_or_path`: a preset name ("a100") or a path to a preset TOML file. Throws InputError.
HardwarePreset load_hardware_preset(std::string_view name_or_path);
HardwarePreset parse_hardware_preset(std::string_view toml_text, const std::string& file_name);
std::vector<std::string> hardware_preset_names();

}  // namespace chimera
