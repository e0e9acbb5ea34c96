#pragma once
// A hardware preset: what one GPU (or accelerator) can compute, read from a TOML file under
// compute/presets/ (embedded in the binary) or from a user's own file. The format (see
// compute/README.md):
//
//   name = "a100"  description = "..."  source = "..."
//   vendor_peak_flops = 312e12      # optional: the derived peak must match it within 0.5 %
//   [array]  rows, cols, count (arrays in parallel), dataflow ("os"|"ws"|"is"), clock_mhz
//   [sram]   ifmap, filter, ofmap   # per array, e.g. "12288KiB"
//   [memory] bytes_per_element, capacity, bandwidth_mode ("calc"|"user"), traffic_floor,
//            and exactly one of bandwidth (whole device, e.g. "2039GBps") or
//            words_per_cycle (per array, ScaleSim's Bandwidth)
//
// Peak FLOP/s is derived: 2 * rows * cols * count * clock.
#include <string>
#include <string_view>
#include <vector>

#include "compute/systolic_gemm.hpp"

namespace chimera {

struct HardwarePreset {
  std::string name;         // "a100"
  std::string description;  // "NVIDIA A100 SXM4 80 GB"
  std::string source;       // where the figures come from
  double peak_flops = 0;            // dense FP16/BF16 FLOP/s, derived from the arrays
  double memory_bandwidth_Bps = 0;  // DRAM (HBM) bandwidth of the device
  double memory_bytes = 0;          // DRAM capacity
  double vendor_peak_flops = 0;     // as the vendor states it (0: not given)
  SystolicConfig systolic;          // arrays, clock, SRAM, DRAM in words per cycle, bandwidth mode
};

// `name_or_path`: a preset name ("a100") or a path to a preset TOML file. Throws InputError.
HardwarePreset load_hardware_preset(std::string_view name_or_path);
HardwarePreset parse_hardware_preset(std::string_view toml_text, const std::string& file_name);
std::vector<std::string> hardware_preset_names();

}  // namespace chimera
