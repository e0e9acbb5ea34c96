#pragma once
// What a GPU's kernel libraries achieve, as measured: the parameters of the "gpu" compute
// model (compute/gpu_model.hpp), read from a preset's [gpu] and [gpu.attention] tables.
// Every value names its source in the preset file; results/realism/README.md has the fit.
#include <cstdint>
#include <string>
#include <vector>

namespace chimera {

// A thread-block output tile of a GEMM kernel, m x n elements of the result.
struct GemmTile {
  std::int64_t m = 128;
  std::int64_t n = 128;
};
std::string to_string(const GemmTile& t);  // "128x256"

struct GpuAttentionCalibration {
  std::int64_t block = 128;             // query rows per thread block = keys per inner iteration
  double forward_efficiency = 0;        // fraction of the dense peak in the forward main loop
  double backward_efficiency = 0;       // ... in the backward (dQ, dK, dV and the recomputed scores)
  double causal_efficiency = 1;         // extra factor on causal (masked) kernels
  double cta_overhead_blocks = 0;       // per thread block: prologue/epilogue, in inner iterations
  double forward_launch_floor_s = 0;    // host issue time of one attention call (eager)
  double backward_launch_floor_s = 0;   // ... of its backward
};

struct GpuCalibration {
  std::int64_t sms = 0;                 // streaming multiprocessors the output tiles are dealt to
  std::vector<GemmTile> tiles;          // tile shapes the GEMM library chooses among
  std::int64_t k_tile = 64;             // depth of one main-loop iteration (a stream-K work unit)
  double best_gemm_flops = 0;           // best-shape BF16 GEMM throughput ("maximum achievable")
  double sustained_fraction = 1;        // typical shapes in sustained runs, relative to the best
  double kernel_overhead_s = 0;         // per kernel: launch latency, prologue, tail
  double gemm_launch_floor_s = 0;       // a GEMM call never takes less (host issue time, eager)
  double elementwise_bandwidth_Bps = 0; // achievable DRAM bandwidth of streaming kernels
  double elementwise_launch_floor_s = 0;
  double misaligned_efficiency = 1;     // leading dimensions 4-byte but not 16-byte aligned
  double unaligned_efficiency = 1;      // leading dimensions not 4-byte aligned
  GpuAttentionCalibration attention;

  // Fraction of the dense peak a well-aligned GEMM's main loop runs at.
  double tensor_efficiency(double peak_flops) const { return best_gemm_flops / peak_flops * sustained_fraction; }
};

}  // namespace chimera
