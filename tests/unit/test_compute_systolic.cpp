// The systolic-array model against hand-derived ScaleSim-v2 figures
// (shared/reference/compute-systolic.md) and its properties.
#include <doctest/doctest.h>

#include <algorithm>
#include <stdexcept>
#include <string>

#include "compute/systolic_gemm.hpp"
#include "tests/approx.hpp"

using namespace chimera;
using chimera::test::approx;

namespace {

SystolicConfig one_array(std::int64_t r, std::int64_t c, Dataflow d) {
  SystolicConfig cfg;  // defaults: ScaleSim normal.cfg SRAMs, 50 words/cycle, CALC, 1 GHz
  cfg.array = {r, c, d};
  return cfg;
}

}  // namespace

TEST_CASE("compute: worked example 32x32 OS 128^3 -> 3039 cycles and 67.39 % overall") {
  // F = ceil(128/32)^2 = 16 folds, L_f = K + R + C - 2 = 128 + 62 = 190, total = 16*190 - 1.
  GemmCost g = systolic_gemm(one_array(32, 32, Dataflow::os), 128, 128, 128);
  CHECK(g.mapping.row_folds == 4);
  CHECK(g.mapping.col_folds == 4);
  CHECK(g.mapping.fold_cycles == 190);
  CHECK(g.total_cycles == 3039);
  CHECK(g.stall_cycles == 0);
  // 128^3 / (3039 * 1024) = 2097152 / 3111936
  CHECK(g.util.overall == approx(2097152.0 / 3111936.0).epsilon(1e-12));
  CHECK(100 * g.util.overall == approx(67.39).epsilon(1e-4));
  CHECK(g.util.mapping == approx(1.0));
  CHECK(g.util.compute == approx(128.0 / 190.0));  // 67.37 %
  CHECK(g.seconds == approx(3039e-9));               // 1 GHz
}

TEST_CASE("compute: WS maps K x N spatially with L_f = M + 2R + C - 2 and Compute Util over T + 2R + 2C - 3") {
  // 32x32, M=100 N=70 K=50: Fr = ceil(50/32) = 2, Fc = ceil(70/32) = 3, F = 6;
  // L_f = 100 + 64 + 32 - 2 = 194; total = 6*194 - 1 = 1163.
  GemmCost g = systolic_gemm(one_array(32, 32, Dataflow::ws), 100, 70, 50);
  CHECK(g.mapping.spatial_rows == 50);
  CHECK(g.mapping.spatial_cols == 70);
  CHECK(g.mapping.temporal == 100);
  CHECK(g.mapping.folds() == 6);
  CHECK(g.mapping.fold_cycles == 194);
  CHECK(g.total_cycles == 1163);
  CHECK(g.util.overall == approx(350000.0 / (1163.0 * 1024)));
  CHECK(g.util.mapping == approx(3500.0 / (6 * 1024)));  // used 50*70 of 6 folds of 1024
  // L'_f = 100 + 64 + 64 - 3 = 225
  CHECK(g.util.compute == approx(3500.0 * 100 / (6 * 1024 * 225.0)));
}

TEST_CASE("compute: IS maps K x M spatially with L_f = N + 2R + C - 2") {
  // 32x32, M=100 N=70 K=50: Fr = 2, Fc = ceil(100/32) = 4, F = 8; L_f = 70 + 64 + 32 - 2 = 164.
  GemmCost g = systolic_gemm(one_array(32, 32, Dataflow::is), 100, 70, 50);
  CHECK(g.mapping.spatial_rows == 50);
  CHECK(g.mapping.spatial_cols == 100);
  CHECK(g.mapping.temporal == 70);
  CHECK(g.mapping.folds() == 8);
  CHECK(g.total_cycles == 8 * 164 - 1);
  CHECK(g.util.compute == approx(50.0 * 100 * 70 / (8 * 1024 * (70 + 64 + 64 - 3.0))));
}

TEST_CASE("compute: non-square array and partial folds cost full folds") {
  // R=16 (rows), C=8, OS, M=20 N=20 K=5: Fr = 2, Fc = 3, L_f = 5 + 16 + 8 - 2 = 27, total 6*27 - 1.
  GemmCost g = systolic_gemm(one_array(16, 8, Dataflow::os), 20, 20, 5);
  CHECK(g.total_cycles == 161);
  CHECK(g.util.mapping == approx(400.0 / (6 * 128)));
}

TEST_CASE("compute: the isca25 closed form ceil(M/256) ceil(N/256) (K + 510) - 1") {
  SystolicConfig cfg = one_array(256, 256, Dataflow::os);
  CHECK(systolic_gemm(cfg, 256, 3072, 1024).total_cycles == 12 * 1534 - 1);  // xqkv
  CHECK(systolic_gemm(cfg, 1024, 256, 256).total_cycles == 4 * 766 - 1);     // s_k
  CHECK(systolic_gemm(cfg, 257, 1, 1).total_cycles == 2 * 511 - 1);
}

TEST_CASE("compute: several arrays take the folds in waves and batches add folds") {
  SystolicConfig cfg = one_array(16, 16, Dataflow::os);
  cfg.arrays = 432;
  // 256 x 256 output = 256 tiles of 16x16, one wave on 432 arrays: K + 30 - 1 cycles.
  GemmCost a = systolic_gemm(cfg, 256, 256, 1024);
  CHECK(a.waves == 1);
  CHECK(a.total_cycles == 1024 + 30 - 1);
  CHECK(a.wave_efficiency == approx(256.0 / 432));
  CHECK(a.util.overall == approx(256.0 * 256 * 1024 / (1053.0 * 256 * 432)));
  // 1024 x 1024: 4096 tiles -> ceil(4096/432) = 10 waves.
  CHECK(systolic_gemm(cfg, 1024, 1024, 1024).total_cycles == 10 * 1054 - 1);
  // batch 3 of the worked example on one array: 48 folds of 190 cycles.
  CHECK(systolic_gemm(one_array(32, 32, Dataflow::os), 128, 128, 128, 3).total_cycles == 48 * 190 - 1);
}

TEST_CASE("compute: USER mode streams an operand that does not fit at BW words per cycle") {
  // OS 4x4, M=8 N=4 K=16: Fr = 2, Fc = 1, L_f = 16 + 4 + 4 - 2 = 22, C = 44 cycles stall-free.
  // ifmap M*K = 128 words, SRAM 64 words -> active half 32 < 128: streams once (Fc = 1),
  // 128 - 32 = 96 words after the free initial fill. The last window is 32/128 of the
  // demand: 44 * 1/4 = 11 cycles of compute after the last word. Filter K*N = 64 words fits
  // its active half (SRAM 128); ofmap M*N = 32 writes fit the whole buffer (SRAM 32).
  SystolicConfig cfg = one_array(4, 4, Dataflow::os);
  cfg.sram_bytes[kIfmap] = 64, cfg.sram_bytes[kFilter] = 128, cfg.sram_bytes[kOfmap] = 32;
  cfg.bandwidth_mode = BandwidthMode::user;
  auto stall_at = [&](double bw) {
    cfg.dram_words_per_cycle = bw;
    return systolic_gemm(cfg, 8, 4, 16);
  };
  GemmCost g1 = stall_at(1);  // fetch 96 cycles: 96 + 11 - 44 = 63
  CHECK(g1.stall_cycles == 63);
  CHECK(g1.traffic[kIfmap].stall_cycles == 63);
  CHECK(g1.traffic[kFilter].stall_cycles == 0);
  CHECK(g1.traffic[kOfmap].stall_cycles == 0);
  CHECK(g1.total_cycles == 43 + 63);
  CHECK(stall_at(2).stall_cycles == 48 + 11 - 44);  // 15
  CHECK(stall_at(4).stall_cycles == 0);             // 24 + 11 < 44
  CHECK(g1.traffic[kIfmap].dram_words == 128);
  CHECK(g1.traffic[kFilter].dram_words == 64);
  // CALC: same traffic, never a stall, words per cycle = bandwidth needed over 43 cycles.
  cfg.bandwidth_mode = BandwidthMode::calc;
  GemmCost c = stall_at(1);
  CHECK(c.stall_cycles == 0);
  CHECK(c.traffic[kIfmap].words_per_cycle == approx(128.0 / 43));
}

TEST_CASE("compute: USER mode stalls on the ofmap only when its writes overflow the whole buffer") {
  // WS 4x4, M=16 N=4 K=8: S_R = K = 8 -> Fr = 2, S_C = 4 -> Fc = 1, T = 16,
  // L_f = 16 + 8 + 4 - 2 = 26, C = 52. Partial sums: Fr * M * N = 128 writes.
  SystolicConfig cfg = one_array(4, 4, Dataflow::ws);
  cfg.bandwidth_mode = BandwidthMode::user;
  cfg.dram_words_per_cycle = 1;
  cfg.sram_bytes[kOfmap] = 128;  // exactly fits: no stall
  CHECK(systolic_gemm(cfg, 16, 4, 8).stall_cycles == 0);
  // SRAM 32 words: 128 - 32 = 96 words drained at 1/cycle before the end; the last half
  // (16 words = 1/8 of the writes) takes 52/8 = 6.5 cycles: ceil(96 + 6.5 - 52) = 51.
  cfg.sram_bytes[kOfmap] = 32;
  GemmCost g = systolic_gemm(cfg, 16, 4, 8);
  CHECK(g.traffic[kOfmap].stall_cycles == 51);
  CHECK(g.traffic[kOfmap].dram_words == 128);
}

TEST_CASE("compute: utilisation <= 1 and CALC never stalls and totals are monotonic in M N K") {
  const Dataflow flows[] = {Dataflow::os, Dataflow::ws, Dataflow::is};
  const std::int64_t dims[] = {1, 2, 7, 31, 32, 33, 100, 255, 256, 257, 1000};
  const std::int64_t shapes[][2] = {{1, 2}, {4, 4}, {8, 32}, {32, 8}, {128, 128}};
  for (Dataflow d : flows)
    for (auto [r, c] : shapes) {
      SystolicConfig cfg = one_array(r, c, d);
      cfg.sram_bytes[0] = cfg.sram_bytes[1] = cfg.sram_bytes[2] = 64;  // would stall in USER mode
      for (std::int64_t m : dims)
        for (std::int64_t n : dims)
          for (std::int64_t k : dims) {
            GemmCost g = systolic_gemm(cfg, m, n, k);
            std::string flow = to_string(d);
            CAPTURE(flow);
            CAPTURE(r);
            CAPTURE(c);
            CAPTURE(m);
            CAPTURE(n);
            CAPTURE(k);
            REQUIRE(g.stall_cycles == 0);
            REQUIRE(g.util.overall <= 1.0 + 1e-12);
            REQUIRE(g.util.mapping <= 1.0 + 1e-12);
            REQUIRE(g.util.compute <= 1.0 + 1e-12);
            REQUIRE(g.util.overall > 0);
            REQUIRE(systolic_gemm(cfg, m + 1, n, k).total_cycles >= g.total_cycles);
            REQUIRE(systolic_gemm(cfg, m, n + 1, k).total_cycles >= g.total_cycles);
            REQUIRE(systolic_gemm(cfg, m, n, k + 1).total_cycles >= g.total_cycles);
          }
    }
}

TEST_CASE("compute: USER stalls are zero when operands fit and shrink with bandwidth and are never negative") {
  const Dataflow flows[] = {Dataflow::os, Dataflow::ws, Dataflow::is};
  const std::int64_t dims[] = {3, 64, 300, 1024};
  for (Dataflow d : flows)
    for (std::int64_t m : dims)
      for (std::int64_t n : dims)
        for (std::int64_t k : dims) {
          SystolicConfig cfg = one_array(32, 32, d);
          cfg.bandwidth_mode = BandwidthMode::user;
          // Large SRAMs: every operand fits -> no stall even at a trickle of bandwidth.
          for (auto& s : cfg.sram_bytes) s = 1 << 27;  // > 32 row folds x 1024 x 1024 partial sums (WS)
          cfg.dram_words_per_cycle = 1e-3;
          std::string flow = to_string(d);
          CAPTURE(flow);
          CAPTURE(m);
          CAPTURE(n);
          CAPTURE(k);
          REQUIRE(systolic_gemm(cfg, m, n, k).stall_cycles == 0);
          // Small SRAMs: stalls never negative and non-increasing as bandwidth grows.
          for (auto& s : cfg.sram_bytes) s = 2048;
          std::int64_t previous = -1;
          for (double bw : {0.5, 1.0, 4.0, 16.0, 64.0, 1024.0}) {
            cfg.dram_words_per_cycle = bw;
            GemmCost g = systolic_gemm(cfg, m, n, k);
            REQUIRE(g.stall_cycles >= 0);
            REQUIRE(g.util.overall <= 1.0 + 1e-12);
            if (previous >= 0) REQUIRE(g.stall_cycles <= previous);
            previous = g.stall_cycles;
          }
        }
}

TEST_CASE("compute: USER-mode totals are monotonic in M N K") {
  // Each operand's stall is V/BW - C (1 - window/demand), increasing in the traffic faster
  // than it decreases with the compute it overlaps; it is rounded up once.
  const std::int64_t dims[] = {1, 5, 31, 33, 97, 130, 257, 600};
  for (Dataflow d : {Dataflow::os, Dataflow::ws, Dataflow::is})
    for (double bw : {1.0, 8.0, 50.0})
      for (double sram : {256.0, 4096.0, 65536.0}) {
        SystolicConfig cfg = one_array(32, 32, d);
        cfg.bandwidth_mode = BandwidthMode::user;
        cfg.dram_words_per_cycle = bw;
        for (auto& s : cfg.sram_bytes) s = sram;
        for (std::int64_t m : dims)
          for (std::int64_t n : dims)
            for (std::int64_t k : dims) {
              const std::int64_t t = systolic_gemm(cfg, m, n, k).total_cycles;
              std::string flow = to_string(d);
              CAPTURE(flow);
              CAPTURE(bw);
              CAPTURE(sram);
              CAPTURE(m);
              CAPTURE(n);
              CAPTURE(k);
              REQUIRE(systolic_gemm(cfg, m + 1, n, k).total_cycles >= t);
              REQUIRE(systolic_gemm(cfg, m, n + 1, k).total_cycles >= t);
              REQUIRE(systolic_gemm(cfg, m, n, k + 1).total_cycles >= t);
            }
      }
}

TEST_CASE("compute: bad GEMM dimensions are rejected") {
  SystolicConfig cfg;
  CHECK_THROWS_AS(systolic_gemm(cfg, 0, 1, 1), std::invalid_argument);
  CHECK_THROWS_AS(systolic_gemm(cfg, 1, -4, 1), std::invalid_argument);
  CHECK_THROWS_AS(systolic_gemm(cfg, 1, 1, 1, 0), std::invalid_argument);
  CHECK_THROWS_AS(systolic_gemm(cfg, kMaxGemmDimension + 1, 1, 1), std::invalid_argument);
  // 2^40 cubed on a 1x1 array: 2^80 folds, far beyond 64-bit cycle counts.
  SystolicConfig tiny = one_array(1, 1, Dataflow::os);
  CHECK_THROWS_AS(systolic_gemm(tiny, kMaxGemmDimension, kMaxGemmDimension, kMaxGemmDimension), std::invalid_argument);
  cfg.array.rows = 0;
  CHECK_THROWS_AS(systolic_gemm(cfg, 1, 1, 1), std::invalid_argument);
}

TEST_CASE("compute: dataflow and bandwidth-mode names") {
  Dataflow d{};
  CHECK(parse_dataflow("WS", d));
  CHECK(d == Dataflow::ws);
  CHECK_FALSE(parse_dataflow("rs", d));
  BandwidthMode b{};
  CHECK(parse_bandwidth_mode("USER", b));
  CHECK(b == BandwidthMode::user);
  CHECK_FALSE(parse_bandwidth_mode("auto", b));
}
