// GEMM evaluations per second of the systolic-array model (compute/systolic_gemm.hpp):
// stall-free (CALC mode, the isca25 preset), with the USER-mode stall model, on a many-array
// GPU preset, and through the memoising cost model. Target: >= 1e7 stall-free evaluations
// per second on one core. Shapes vary from call to call so nothing is hoisted out of the loop.
#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>

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

}  // namespace
