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
//   [gpu]    optional: the calibration of the "gpu" model (compute/gpu_calibration.hpp), all
//            keys required: sms, tiles, k_tile, best_gemm_flops, sustained_fraction,
//            kernel_overhead, gemm_launch_floor, elementwise_bandwidth,
//            elementwise_launch_floor, misaligned_efficiency, unaligned_efficiency, and
//   [gpu.attention] block, forward_efficiency, backward_efficiency, causal_efficiency,
//            cta_overhead_blocks, forward_launch_floor, backward_launch_floor
//
// Peak FLOP/s is derived: 2 * rows * cols * count * clock.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compute/gpu_calibration.hpp"
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
  std::optional<GpuCalibration> gpu;  // [gpu]: what the GPU's kernels achieve (GPU presets only)
};

// `name_or_path`: a preset name ("a100") or a path to a preset TOML file. Throws InputError.
HardwarePreset load_hardware_preset(std::string_view name_or_path);
HardwarePreset parse_hardware_preset(std::string_view toml_text, const std::string& file_name);
std::vector<std::string> hardware_preset_names();

}  // namespace chimera
