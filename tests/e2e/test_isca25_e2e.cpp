// The ISCA'25 end-to-end streams (workloads/isca25_*.cpp, `[workload] kind = "isca25-e2e"`)
// against times derived by hand from the research's GEMM lists, its stream structure
// (shared/reference/isca25-fusion.md §3.3, §4, §6) and the a100 interconnect, and against the
// figures results/isca25/README.md publishes (Fig. 11 forward 2.308 -> 1.795 ms, Fig. 11a
// backward 2.373 ms with streams and 2.633 ms with the compat barrier, the 64-device forward
// 2.662 -> 1.752 ms). The research's artifact publishes no run results (the reference says so),
// so these are chimera-sim's own published figures, each re-derived here by hand.
//
// GPT-2 medium, fp32, B = 1, S = 256, TP+PP on the a100 interconnect with the concurrent
// halving-doubling the derivation assumes (platforms/isca25/dgx2-2x8-concurrent.xml):
// 8 stages of 2 devices, 3 layers each; stages 0-3 on switch 0 ports (0,1) .. (6,7), stages 4-7
// on switch 1. P = 4 x 256 x 1024 = 1 MiB between layers.
//
// Network: every link 50 GB/s and 100 ns; a route inside a switch crosses 2 links (a = 200 ns),
// across the switches 3 (300 ns). With n = 2 every collective is one exchange of P/2 per round:
// all-gather and reduce-scatter 1 round, all-reduce 2 (halving-doubling, the platform's
// algorithm). The stage boundary is an m2ms of P from 2 to 2 devices: P/4 per pair, P/2 through
// each source port (and each per-destination inter-switch link): one round of P/2.
//
// Compute: one 256 x 256 OS array at 1 GHz, cycles = ceil(M/256) ceil(N/256) (K + 510) - 1 per
// GEMM (compute/README.md), the layer's cost divided by the 2 devices of the stage (rounded up):
//   attention forward  xqkv 18407 + QKT 1533 + QKTV 3063 + cproj 6135 = 29138 -> 14569 ns
//   MLP forward        cfc 24543 + cproj 18423                         = 42966 -> 21483 ns
//   attention input gradient  6135 + 3063 + 1533 + 1533 + 3063 + 18407 = 33734 -> 16867 ns
//   attention weight gradient 6135 + 14327                             = 20462 -> 10231 ns
//   MLP input gradient 18423 + 24543, weight gradient 24543 + 18423    = 42966 -> 21483 ns each
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/approx.hpp"
#include "tests/e2e/cli_runner.hpp"

using chimera::test::run_cli;
using chimera::test::source_path;
using chimera::test::temp_dir;
using chimera::test::approx;

namespace {

constexpr double us = 1e-6, ns = 1e-9;
constexpr double P = 1024.0 * 1024, B = 50e9;
constexpr double half = 0.2 * us + P / 2 / B;  // one round of P/2 inside a switch: 10.68576 us
constexpr double cross = 0.1 * us;             // the boundary between stages 3 and 4 crosses the switches
constexpr double AG = half, RS = half, AR = 2 * half;
constexpr double attn_f = 14569 * ns, mlp_f = 21483 * ns;
constexpr double attn_ig = 16867 * ns, attn_wg = 10231 * ns, mlp_ig = 21483 * ns, mlp_wg = 21483 * ns;
constexpr int kLayers = 24, kStages = 8;

// scenarios/isca25/e2e-gpt2-medium.toml with the variant, the pass and the engine mode set.
double e2e(const std::string& variant, const std::string& pass, bool barrier, bool scaling = false) {
  const std::string dir = temp_dir();
  std::ofstream(dir + "/s.toml") << fmt::format(R"(schema = 1
[workload]
kind = "isca25-e2e"
pair = "tp+pp"
variant = "{}"
pass = "{}"
interconnect = "a100"
scaling = {}
[model]
name = "gpt2-medium"
sequence = 256
micro_batch = 1
bytes_per_element = 4
[platform]
file = "{}"
[compute]
preset = "isca25"
lowering = "isca25"
[engine]
compute_barrier = {}
)",
                                                  variant, pass, scaling ? "true" : "false",
                                                  source_path(scaling ? "platforms/isca25/dgx2-2x32-concurrent.xml"
                                                                      : "platforms/isca25/dgx2-2x8-concurrent.xml"),
                                                  barrier ? "true" : "false");
  auto r = run_cli("run '" + dir + "/s.toml' --json");
  std::filesystem::remove_all(dir);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  return nlohmann::json::parse(r.out)["iteration_time_s"].get<double>();
}

}  // namespace

TEST_CASE("isca25 e2e: GPT-2 medium TP+PP forward on a100 equals the hand-derived chain (Fig. 11, 2.308 -> 1.795 ms)") {
  // One micro-batch through the stages, every op waiting for the one before: the slice's
  // all-gather, per layer attention, all-reduce (fused: reduce-scatter), all-gather, MLP,
  // all-reduce (reduce-scatter); per boundary the m2ms and the next stage's all-gather.
  const double chain = AG + (kStages - 1) * (half + AG) + cross;
  const double baseline = chain + kLayers * (attn_f + AR + AG + mlp_f + AR);  // 2307.9256 us
  const double fused = chain + kLayers * (attn_f + RS + AG + mlp_f + RS);     // 1795.0091 us
  CHECK(e2e("baseline", "forward", false) == approx(baseline).epsilon(1e-6));
  CHECK(e2e("fused", "forward", false) == approx(fused).epsilon(1e-6));
  CHECK(baseline == approx(2.308e-3).epsilon(0.0003));  // the published figures, 4 digits
  CHECK(fused == approx(1.795e-3).epsilon(0.0003));
  // The compat barrier holds each event that follows a compute for one more cycle; nothing else
  // runs beside the chain, so it adds 1 ns per compute: 2 per layer.
  CHECK(e2e("baseline", "forward", true) == approx(baseline + 2 * kLayers * ns).epsilon(1e-6));
}

TEST_CASE("isca25 e2e: GPT-2 medium TP+PP backward on a100, streams and compat barrier (Fig. 11a, 2.373 and 2.633 ms)") {
  // Baseline backward per layer (reference §3.3): AR -> MLP-IG -> {MLP-WG | RS -> AR} ->
  // attention-IG (after both) -> attention-WG, whose all-reduce for the next layer follows the
  // attention IG. The stage's input gradient leaves after its last attention IG; the WG of the
  // very last layer (stage 0) ends the run.
  const double entry = AG + (kStages - 1) * (half + AG) + cross;
  // Streams: the weight gradient (21.483 us) hides under RS + AR (32.057 us); the attention WG
  // (10.231 us) under the next all-reduce (21.372 us).
  const double streams_layer = AR + mlp_ig + std::max(mlp_wg, RS + AR) + attn_ig;  // 91.7788 us
  const double streams = entry + kLayers * streams_layer + attn_wg;                 // 2373.3086 us
  // Barrier: RS starts with MLP-WG (the same instant) but the AR after it waits for MLP-WG's
  // end; each compute holds the next event one cycle (after MLP-IG, after MLP-WG, after
  // attention IG except where the stage ends and the boundary goes with the WG); the attention
  // WG overlaps only the first round of the next all-reduce (10.686 us > 10.231 us).
  const double barrier_layer = AR + mlp_ig + ns + mlp_wg + ns + AR + attn_ig;  // 102.57704 us
  const double barrier = entry + kLayers * barrier_layer + (kLayers - kStages) * ns  // the AR after an attention IG
                         + (kStages - 1) * ns                                       // the boundary after one
                         + ns + attn_wg;                                           // 2632.5384 us
  CHECK(e2e("baseline", "backward", false) == approx(streams).epsilon(1e-6));
  CHECK(e2e("baseline", "backward", true) == approx(barrier).epsilon(1e-6));
  CHECK(streams == approx(2.373e-3).epsilon(0.0003));
  CHECK(barrier == approx(2.633e-3).epsilon(0.0003));
}

TEST_CASE("isca25 e2e: GPT-2 medium TP+PP forward on the 64-device a100 equals the hand-derived chain (2.662 -> 1.752 ms)") {
  // a100_scaling (platforms/isca25/dgx2-2x32-concurrent.xml): 8 stages of 8 devices, 3 layers each, stages
  // 0-3 on switch 0, 4-7 on switch 1. Compute per device ceil(cycles / 8): attention 3643 ns, MLP
  // 5371 ns. Halving-doubling over 8 (a = 200 ns): all-gather and reduce-scatter
  // 3a + (7/8)P/B, all-reduce twice that. Boundary m2ms of P from 8 to 8 devices: P/64 per pair,
  // P/8 through each source port (and each destination's inter-switch link): a + P/(8B).
  const double a = 0.2 * us, ag8 = 3 * a + 0.875 * P / B, ar8 = 2 * ag8, boundary = a + P / 8 / B;
  const double chain = ag8 + (kStages - 1) * (boundary + ag8) + cross;
  const double baseline = chain + kLayers * (3643 * ns + ar8 + ag8 + 5371 * ns + ar8);  // 2661.796 us
  const double fused = chain + kLayers * (3643 * ns + ag8 + ag8 + 5371 * ns + ag8);     // 1752.193 us
  CHECK(e2e("baseline", "forward", false, true) == approx(baseline).epsilon(1e-6));
  CHECK(e2e("fused", "forward", false, true) == approx(fused).epsilon(1e-6));
  CHECK(baseline == approx(2.662e-3).epsilon(0.0003));  // results/isca25/README.md, scaling table
  CHECK(fused == approx(1.752e-3).epsilon(0.0003));
}
