// GEMM evaluations per second of the systolic-array model (compute/systolic_gemm.hpp):
// stall-free (CALC mode, the isca25 preset), with the USER-mode stall model, on a many-array
// GPU preset, and through the memoising cost model; and of the calibrated gpu model
// (compute/gpu_model.hpp: a closed form per candidate tile, no memo) for GEMMs and fused
// attention. Target: >= 1e7 stall-free evaluations per second on one core. Shapes vary from
// call to call so nothing is hoisted out of the loop.
#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>

#include "compute/gpu_model.hpp"
#include "compute/hardware_preset.hpp"
#include "compute/systolic_gemm.hpp"
#include "compute/systolic_model.hpp"

namespace {

using namespace chimera;

struct Shape {
  std::int64_t m, n, k;
};

// 256 shapes in the range of transformer GEMMs (64 .. 16384), fixed pseudo-random sequence.
const std::array<Shape, 256>& shapes() {
  static const std::array<Shape, 256> s = [] {
    std::array<Shape, 256> out{};
    std::uint64_t x = 0x2545F4914F6CDD1Dull;
    auto next = [&] {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      return std::int64_t(64 + x % 16321);
    };
    for (auto& sh : out) sh = {next(), next(), next()};
    return out;
  }();
  return s;
}

void run(benchmark::State& state, const SystolicConfig& cfg) {
  const auto& s = shapes();
  std::size_t i = 0;
  std::int64_t sink = 0;
  for (auto _ : state) {
    const Shape& sh = s[i++ & 255];
    GemmCost g = systolic_gemm(cfg, sh.m, sh.n, sh.k);
    sink += g.total_cycles;
    benchmark::DoNotOptimize(sink);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_GemmStallFree(benchmark::State& state) {
  run(state, load_hardware_preset("isca25").systolic);  // CALC: never stalls
}
BENCHMARK(BM_GemmStallFree);

void BM_GemmUserStalls(benchmark::State& state) {
  SystolicConfig cfg = load_hardware_preset("isca25").systolic;
  cfg.bandwidth_mode = BandwidthMode::user;
  for (auto& b : cfg.sram_bytes) b = 256 * 1024;  // small enough that most shapes stall
  run(state, cfg);
}
BENCHMARK(BM_GemmUserStalls);

void BM_GemmGpuWaves(benchmark::State& state) {
  run(state, load_hardware_preset("a100").systolic);  // 432 arrays, DRAM traffic floor
}
BENCHMARK(BM_GemmGpuWaves);

// A layer's worth of repeated shapes through the memo (the path lowering takes).
void BM_GemmMemoised(benchmark::State& state) {
  SystolicCostModel model(load_hardware_preset("isca25"));
  const auto& s = shapes();
  std::size_t i = 0;
  double sink = 0;
  for (auto _ : state) {
    const Shape& sh = s[i++ & 15];
    sink += model.gemm_seconds(sh.m, sh.n, sh.k, 1, 2);
    benchmark::DoNotOptimize(sink);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_GemmMemoised);

// The gpu model on the h200 preset: 5 candidate tiles per GEMM.
void BM_GemmGpuModel(benchmark::State& state) {
  const HardwarePreset p = load_hardware_preset("h200");
  const auto& s = shapes();
  std::size_t i = 0;
  double sink = 0;
  for (auto _ : state) {
    const Shape& sh = s[i++ & 255];
    sink += gpu_gemm(p, sh.m, sh.n, sh.k).seconds;
    benchmark::DoNotOptimize(sink);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_GemmGpuModel);

// Causal flash attention (the closed-form block-pair count) on the h200 preset.
void BM_AttentionGpuModel(benchmark::State& state) {
  const HardwarePreset p = load_hardware_preset("h200");
  const auto& s = shapes();
  std::size_t i = 0;
  double sink = 0;
  for (auto _ : state) {
    const Shape& sh = s[i++ & 255];
    sink += gpu_attention(p, 1 + sh.m % 128, sh.n, sh.k, 128, true, AttentionPass::backward).seconds;
    benchmark::DoNotOptimize(sink);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AttentionGpuModel);

}  // namespace
