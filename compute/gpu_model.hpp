#pragma once
// The "gpu" compute model: kernels as a GPU's libraries (cuBLAS, cuDNN, PyTorch) run them,
// calibrated on measurements (compute/README.md, results/realism/README.md). Parameters come
// from the preset's [gpu] table (compute/gpu_calibration.hpp).
//
// GEMM, batch x ([m x k] * [k x n]), e bytes per element, on S SMs at peak P:
//   for each tile shape tm x tn the library offers (the cheapest one is taken, as its
//   heuristic does):
//     tiles  T = ceil(m / tm) * ceil(n / tn) * batch           (tile quantisation)
//     slices I = ceil(k / k_tile), work units U = T * I
//     waves  W = ceil(U / S)        (stream-K: main-loop slices dealt evenly to the SMs)
//     main   = W * 2 tm tn k_tile / (P / S * tensor_efficiency * alignment)
//   memory   = e * batch * (m k + k n + m n) / elementwise_bandwidth   (compulsory traffic)
//   kernel   = kernel_overhead + max(main, memory)
//   seconds  = max(gemm_launch_floor, kernel)
// tensor_efficiency = best_gemm_flops / P * sustained_fraction; alignment = 1 when the rows
// of the operands (n e and k e bytes) are 16-byte aligned, misaligned_efficiency when 4-byte
// aligned, unaligned_efficiency below.
//
// Memory-bound kernel moving b bytes: max(elementwise_launch_floor, kernel_overhead +
// b / elementwise_bandwidth). A collective's reduction runs inside the collective's own
// kernel: 3 b / elementwise_bandwidth, no floor, no overhead.
//
// Fused (flash) attention over batch_heads heads, block B: the forward pass runs one thread
// block per (head, block of B queries) over the key blocks it sees, the backward one per
// (head, block of B keys) over the query blocks; a (query block, key block) pair costs
// 4 B^2 d FLOPs forward and 2.5 times that backward, plus cta_overhead_blocks pairs per
// thread block. Non-causal: W = ceil(jobs / S) waves of equal jobs; causal: the larger of
// ceil(all pairs / S) and the longest job. seconds = max(launch floor, kernel_overhead +
// W * pair FLOPs / (P / S * efficiency [* causal_efficiency])).
#include <cstdint>
#include <string>

#include "compute/cost_model.hpp"
#include "compute/hardware_preset.hpp"

namespace chimera {

struct GpuGemmCost {
  GemmTile tile;                    // the tile shape chosen
  std::int64_t tiles = 0;           // T, including the batch
  std::int64_t k_slices = 0;        // I
  std::int64_t work_units = 0;      // U = T * I
  std::int64_t waves = 0;           // W = ceil(U / S)
  double wave_efficiency = 1;       // U / (W * S)
  double tile_efficiency = 1;       // m n k batch / (T tm tn I k_tile): padding of partial tiles
  int alignment_bytes = 16;         // of the operand rows, capped at 16
  double alignment_efficiency = 1;
  double tensor_efficiency = 1;
  double peak_main_seconds = 0;     // the main loop at the full peak (W * 2 tm tn k_tile / (P / S))
  double main_seconds = 0;
  double memory_seconds = 0;
  double overhead_seconds = 0;
  double launch_floor_seconds = 0;
  double kernel_seconds = 0;        // overhead + max(main, memory)
  double seconds = 0;               // max(launch floor, kernel)
  const char* bound = "compute";    // compute, memory or launch: the term that set `seconds`
};

struct GpuElementwiseCost {
  double transfer_seconds = 0;  // bytes / elementwise_bandwidth
  double overhead_seconds = 0;
  double launch_floor_seconds = 0;
  double seconds = 0;
  const char* bound = "memory";  // memory or launch
};

struct GpuAttentionCost {
  std::int64_t jobs = 0;           // thread blocks
  std::int64_t block_pairs = 0;    // (query block, key block) pairs computed, over all heads
  double waves = 0;                // busiest SM's pairs, including the per-block overhead
  double flops = 0;                // useful FLOPs (exact causal mask), for achieved-rate reports
  double efficiency = 0;           // of the peak, in the main loop
  double main_seconds = 0;
  double overhead_seconds = 0;
  double launch_floor_seconds = 0;
  double seconds = 0;
  const char* bound = "compute";   // compute or launch
};

// Throw std::invalid_argument for dimensions outside [1, kMaxGemmDimension], a preset without
// a [gpu] table, or work beyond 2^62 units.
GpuGemmCost gpu_gemm(const HardwarePreset& preset, std::int64_t m, std::int64_t n, std::int64_t k,
                     std::int64_t batch = 1, int bytes_per_element = 2);
GpuElementwiseCost gpu_elementwise(const HardwarePreset& preset, double bytes);
GpuAttentionCost gpu_attention(const HardwarePreset& preset, std::int64_t batch_heads, std::int64_t seq_q,
                               std::int64_t seq_kv, std::int64_t head_dim, bool causal, AttentionPass pass);

// Alignment in bytes (1, 2, 4, 8 or 16) of rows of n and k elements of e bytes.
int row_alignment_bytes(std::int64_t n, std::int64_t k, int bytes_per_element);

class GpuCostModel final : public ComputeCostModel {
 public:
  // Throws InputError when the preset has no [gpu] table.
  explicit GpuCostModel(HardwarePreset preset);

  double gemm_seconds(std::int64_t m, std::int64_t n, std::int64_t k, std::int64_t batch,
                      int bytes_per_element) const override;
  double elementwise_seconds(double bytes) const override;
  double reduction_seconds(double bytes) const override;
  double attention_seconds(std::int64_t batch_heads, std::int64_t seq_q, std::int64_t seq_kv, std::int64_t head_dim,
                           bool causal, AttentionPass pass) const override;
  std::string describe() const override;

  const HardwarePreset& preset() const { return preset_; }
  const GpuCalibration& calibration() const { return *preset_.gpu; }

 private:
  HardwarePreset preset_;
};

}  // namespace chimera
