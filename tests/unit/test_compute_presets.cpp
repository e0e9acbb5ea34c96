// Hardware presets (compute/presets/*.toml), the cost-model factory and memoisation.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "common/input_error.hpp"
#include "compute/cost_model.hpp"
#include "compute/hardware_preset.hpp"
#include "compute/systolic_model.hpp"
#include "tests/approx.hpp"

using namespace chimera;
using chimera::test::approx;

namespace {

const char* kMinimal = R"(name = "toy"
[array]
rows = 4
cols = 8
count = 2
dataflow = "ws"
clock_mhz = 500
[sram]
ifmap = "1KiB"
filter = "2KiB"
ofmap = "512B"
[memory]
bytes_per_element = 2
bandwidth = "16GBps"
capacity = "1GB"
)";

std::string replace(std::string s, const std::string& from, const std::string& to) {
  auto at = s.find(from);
  REQUIRE(at != std::string::npos);
  return s.replace(at, from.size(), to);
}

std::string error_of(const std::string& text) {
  try {
    parse_hardware_preset(text, "bad.toml");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("compute: a preset file gives arrays and SRAM and DRAM words per cycle and the derived peak") {
  HardwarePreset p = parse_hardware_preset(kMinimal, "toy.toml");
  CHECK(p.systolic.array.rows == 4);
  CHECK(p.systolic.array.cols == 8);
  CHECK(p.systolic.array.dataflow == Dataflow::ws);
  CHECK(p.systolic.arrays == 2);
  CHECK(p.systolic.clock_hz == 500e6);
  CHECK(p.systolic.sram_words(kIfmap) == 512);  // 1 KiB of 2-byte words
  CHECK(p.systolic.sram_words(kOfmap) == 256);
  CHECK(p.peak_flops == approx(2.0 * 4 * 8 * 2 * 500e6));  // 32 GFLOP/s
  CHECK(p.memory_bandwidth_Bps == 16e9);
  // 16e9 B/s over 2 arrays at 500 MHz, 2 bytes a word: 8 words per cycle per array.
  CHECK(p.systolic.dram_words_per_cycle == approx(8.0));
  CHECK(p.memory_bytes == 1e9);
  CHECK(p.systolic.bandwidth_mode == BandwidthMode::calc);
  CHECK_FALSE(p.systolic.dram_traffic_floor);
}

TEST_CASE("compute: the isca25 preset is ScaleSim normal.cfg at 1 GHz") {
  HardwarePreset p = load_hardware_preset("isca25");
  const SystolicConfig& s = p.systolic;
  CHECK(s.array.rows == 256);
  CHECK(s.array.cols == 256);
  CHECK(s.array.dataflow == Dataflow::os);
  CHECK(s.arrays == 1);
  CHECK(s.clock_hz == 1e9);
  CHECK(s.bytes_per_element == 1);
  CHECK(s.sram_words(kIfmap) == 12288 * 1024);
  CHECK(s.sram_words(kFilter) == 12288 * 1024);
  CHECK(s.sram_words(kOfmap) == 8192 * 1024);
  CHECK(s.dram_words_per_cycle == 50);
  CHECK(s.bandwidth_mode == BandwidthMode::calc);
  CHECK_FALSE(s.dram_traffic_floor);
  CHECK(p.peak_flops == approx(2.0 * 256 * 256 * 1e9));
}

TEST_CASE("compute: every shipped preset loads and its derived peak is the vendor dense FP16/BF16 peak") {
  // Vendor figures (datasheets, see each preset's comment), in FLOP/s.
  const std::pair<const char*, double> vendor[] = {
      {"a100", 312e12},   {"a100-pcie", 312e12}, {"h100", 989.4e12}, {"h200", 989.4e12}, {"gh200", 989.4e12},
      {"h20", 148e12},    {"v100", 125e12},      {"rtx4080", 97.5e12}, {"tpuv3", 123e12},  {"tpuv4", 275e12},
      {"p100", 18.7e12}};
  for (auto [name, peak] : vendor) {
    CAPTURE(name);
    HardwarePreset p = load_hardware_preset(name);
    CHECK(p.name == name);
    CHECK(std::abs(p.peak_flops / peak - 1) < 0.005);
    CHECK(p.vendor_peak_flops == peak);
    CHECK(p.memory_bandwidth_Bps > 0);
    CHECK(p.memory_bytes > 0);
  }
  // A100: 432 tensor cores of 16 x 16 MACs at 1410 MHz.
  CHECK(load_hardware_preset("a100").peak_flops == approx(2.0 * 16 * 16 * 432 * 1.41e9));
  auto names = hardware_preset_names();
  for (const char* n : {"isca25", "a100", "a100-pcie", "h100", "h200", "gh200", "h20", "v100", "rtx4080", "tpuv3",
                        "tpuv4", "p100"})
    CHECK(std::find(names.begin(), names.end(), n) != names.end());
}

TEST_CASE("compute: malformed presets are input errors naming the key") {
  CHECK(error_of(replace(kMinimal, "dataflow = \"ws\"", "dataflow = \"rs\"")).find("array.dataflow") != std::string::npos);
  CHECK(error_of(replace(kMinimal, "rows = 4", "rows = 0")).find("array.rows") != std::string::npos);
  CHECK(error_of(replace(kMinimal, "rows = 4", "rows = 4.5")).find("array.rows") != std::string::npos);
  CHECK(error_of(replace(kMinimal, "cols = 8", "cols = 100000")).find("array.cols") != std::string::npos);
  CHECK(error_of(replace(kMinimal, "count = 2", "count = 0")).find("array.count") != std::string::npos);
  CHECK(error_of(replace(kMinimal, "clock_mhz = 500", "clock_mhz = -1")).find("clock_mhz") != std::string::npos);
  CHECK(error_of(replace(kMinimal, "[sram]\n", "[sram]\ncache = 3\n")).find("sram.cache") != std::string::npos);
  CHECK(error_of(replace(kMinimal, "ifmap = \"1KiB\"\n", "")).find("sram.ifmap") != std::string::npos);
  CHECK(error_of(replace(kMinimal, "capacity", "words_per_cycle = 3\ncapacity")).find("exactly one") != std::string::npos);
  CHECK(error_of(replace(kMinimal, "bandwidth = \"16GBps\"\n", "")).find("exactly one") != std::string::npos);
  CHECK(error_of(replace(kMinimal, "capacity", "bandwidth_mode = \"fast\"\ncapacity")).find("bandwidth_mode") !=
        std::string::npos);
  CHECK(error_of(replace(kMinimal, "[array]", "vendor_peak_flops = 70e9\n[array]")).find("vendor_peak_flops") !=
        std::string::npos);
  CHECK(error_of("name = \"x\"\n").find("array") != std::string::npos);
  CHECK(error_of("name = ").find("bad.toml") != std::string::npos);  // TOML syntax
  CHECK_THROWS_AS(load_hardware_preset("z80"), InputError);
}

TEST_CASE("compute: systolic and roofline stay selectable (auto is the default, test_compute_gpu.cpp)") {
  CHECK(resolve_compute_model(default_compute_model(), load_hardware_preset("isca25")) == "systolic");
  auto names = compute_model_names();
  CHECK(std::find(names.begin(), names.end(), "roofline") != names.end());
  HardwarePreset p = load_hardware_preset("isca25");
  auto sys = make_cost_model("systolic", p);
  CHECK(dynamic_cast<const SystolicCostModel*>(sys.get()) != nullptr);
  // 128^3 on 256x256 OS: one fold of 128 + 510 cycles, minus one, at 1 GHz.
  CHECK(sys->gemm_seconds(128, 128, 128, 1, 2) == approx(637e-9));
  auto roof = make_cost_model("roofline", p);
  // Roofline: max(2*128^3 / 131.072e12, 2 * 3*128^2 / 50e9) = bandwidth term 1.966 us.
  CHECK(roof->gemm_seconds(128, 128, 128, 1, 2) == approx(2.0 * 3 * 128 * 128 / 50e9));
  CHECK_THROWS_AS(make_cost_model("magic", p), std::invalid_argument);
}

TEST_CASE("compute: element-wise and reduction costs come from the DRAM bandwidth") {
  auto m = make_cost_model("systolic", load_hardware_preset("a100"));
  CHECK(m->elementwise_seconds(2039e6) == approx(1e-3));
  // reduce two buffers into one: read 2 x bytes, write bytes
  CHECK(m->reduction_seconds(1e9) == approx(3e9 / 2039e9));
}

TEST_CASE("compute: GPU presets bound small GEMMs by their compulsory DRAM traffic") {
  SystolicCostModel m(load_hardware_preset("a100"));
  // M = 1: one wave of 256 tiles on 432 tensor cores, 4096 + 30 - 1 cycles = 2.9 us; but the
  // 4096 x 4096 weights alone are 32 MiB of fp16: (4096 + 4096*4096 + 4096) * 2 B / 2039 GB/s.
  const GemmCost& g = m.gemm_cost(1, 4096, 4096);
  CHECK(g.total_cycles == 4096 + 30 - 1);
  CHECK(g.memory_bound());
  CHECK(g.seconds == approx((4096.0 + 4096.0 * 4096 + 4096) * 2 / 2039e9));
  // A large GEMM stays compute-bound: 8192^3 -> 512*512 tiles over 432 arrays.
  const GemmCost& big = m.gemm_cost(8192, 8192, 8192);
  CHECK_FALSE(big.memory_bound());
  CHECK(big.total_cycles == (512 * 512 + 431) / 432 * (8192 + 30) - 1);
}

TEST_CASE("compute: identical GEMMs are costed once per model") {
  SystolicCostModel m(load_hardware_preset("isca25"));
  for (int i = 0; i < 5; ++i) {
    m.gemm_seconds(256, 1024, 1024, 1, 2);
    m.gemm_seconds(256, 4096, 1024, 1, 2);
  }
  m.gemm_seconds(256, 1024, 1024, 2, 2);  // another batch is another GEMM
  CHECK(m.distinct_gemms() == 3);
  CHECK(m.gemm_evaluations() == 3);
  const GemmCost& a = m.gemm_cost(256, 1024, 1024);
  const GemmCost& b = m.gemm_cost(256, 1024, 1024);
  CHECK(&a == &b);
  CHECK_THROWS_AS(m.gemm_cost(0, 1, 1), std::invalid_argument);
  CHECK(m.distinct_gemms() == 3);
}
