#include "compute/hardware_preset.hpp"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>

#include "common/embedded_files.hpp"
#include "common/input_error.hpp"
#include "common/text_file.hpp"
#include "common/toml_reader.hpp"
#include "common/units.hpp"

namespace chimera {
namespace {

constexpr double kPeakTolerance = 0.005;  // derived vs vendor peak
constexpr std::int64_t kMaxArraySide = 65536;
constexpr std::int64_t kMaxArrays = std::int64_t(1) << 24;

void read_array(TomlTable& a, HardwarePreset& p) {
  SystolicConfig& s = p.systolic;
  s.array.rows = a.require_integer("rows", "array rows (ScaleSim ArrayHeight), >= 1");
  s.array.cols = a.require_integer("cols", "array columns (ScaleSim ArrayWidth), >= 1");
  if (s.array.rows < 1 || s.array.rows > kMaxArraySide)
    throw a.error("rows", fmt::format("{} is out of range", s.array.rows), "an integer from 1 to 65536");
  if (s.array.cols < 1 || s.array.cols > kMaxArraySide)
    throw a.error("cols", fmt::format("{} is out of range", s.array.cols), "an integer from 1 to 65536");
  if (auto c = a.integer("count", "arrays working in parallel, >= 1")) {
    if (*c < 1 || *c > kMaxArrays)
      throw a.error("count", fmt::format("{} is out of range", *c), "an integer from 1 to 16777216");
    s.arrays = *c;
  }
  std::string df = a.require_string("dataflow", kDataflowChoices);
  if (!parse_dataflow(df, s.array.dataflow)) throw a.error("dataflow", fmt::format("unknown dataflow '{}'", df), kDataflowChoices);
  double mhz = a.require_number("clock_mhz", "array clock in MHz, e.g. 1410");
  if (!(mhz > 0) || !std::isfinite(mhz)) throw a.error("clock_mhz", "must be positive", "MHz > 0, e.g. 1410");
  s.clock_hz = mhz * 1e6;
  a.reject_unknown_keys();
}

void read_sram(TomlTable& t, HardwarePreset& p) {
  const char* keys[3] = {"ifmap", "filter", "ofmap"};
  for (int x = 0; x < 3; ++x) {
    auto b = t.bytes(keys[x]);
    if (!b) throw t.error(keys[x], "missing required key", "SRAM size per array, e.g. \"12288KiB\"");
    if (*b < p.systolic.bytes_per_element)
      throw t.error(keys[x], "must hold at least one element", "a size >= bytes_per_element, e.g. \"64KiB\"");
    p.systolic.sram_bytes[x] = *b;
  }
  t.reject_unknown_keys();
}

void read_memory(TomlTable& t, HardwarePreset& p) {
  SystolicConfig& s = p.systolic;
  if (auto e = t.integer("bytes_per_element", "1, 2 or 4")) {
    if (*e != 1 && *e != 2 && *e != 4) throw t.error("bytes_per_element", fmt::format("unsupported element size {}", *e), "1, 2 or 4");
    s.bytes_per_element = static_cast<int>(*e);
  }
  if (auto m = t.string("bandwidth_mode", kBandwidthModeChoices))
    if (!parse_bandwidth_mode(*m, s.bandwidth_mode))
      throw t.error("bandwidth_mode", fmt::format("unknown bandwidth mode '{}'", *m), kBandwidthModeChoices);
  s.dram_traffic_floor = t.boolean("traffic_floor").value_or(false);
  p.memory_bytes = t.bytes("capacity").value_or(0);
  auto bw = t.bandwidth("bandwidth");
  auto wpc = t.number("words_per_cycle", "DRAM words per cycle per array, > 0");
  if (bw.has_value() == wpc.has_value())
    throw t.error(bw ? "words_per_cycle" : "bandwidth", "give exactly one of bandwidth and words_per_cycle",
                  "bandwidth = \"2039GBps\" (whole device) or words_per_cycle = 50 (per array)");
  // One word per element; per-array words per cycle and device bytes per second convert
  // through the clock and the number of arrays.
  const double per_word_cycle = double(s.bytes_per_element) * s.clock_hz * double(s.arrays);
  if (bw) {
    if (!(*bw > 0)) throw t.error("bandwidth", "must be positive", "e.g. \"2039GBps\"");
    p.memory_bandwidth_Bps = *bw;
    s.dram_words_per_cycle = *bw / per_word_cycle;
  } else {
    if (!(*wpc > 0)) throw t.error("words_per_cycle", "must be positive", "words per cycle > 0, e.g. 50");
    s.dram_words_per_cycle = *wpc;
    p.memory_bandwidth_Bps = *wpc * per_word_cycle;
  }
  s.dram_bandwidth_Bps = p.memory_bandwidth_Bps;
  t.reject_unknown_keys();
}

// Helpers for the [gpu] tables: every key is required (a calibration has no silent defaults).
double fraction(TomlTable& t, const char* key, const char* what) {
  const std::string valid = fmt::format("{}, a number in (0, 1]", what);
  double v = t.require_number(key, valid);
  if (!(v > 0 && v <= 1)) throw t.error(key, fmt::format("{} is outside (0, 1]", v), valid);
  return v;
}

double seconds(TomlTable& t, const char* key, const char* what) {
  auto v = t.duration(key);
  if (!v) throw t.error(key, "missing required key", fmt::format("{}, a duration such as \"10us\"", what));
  return *v;
}

void read_attention(TomlTable& t, GpuAttentionCalibration& a) {
  a.block = t.require_integer("block", "query rows per thread block, e.g. 128");
  if (a.block < 1 || a.block > 4096) throw t.error("block", fmt::format("{} is out of range", a.block), "an integer from 1 to 4096");
  a.forward_efficiency = fraction(t, "forward_efficiency", "fraction of the peak in the forward main loop");
  a.backward_efficiency = fraction(t, "backward_efficiency", "fraction of the peak in the backward main loop");
  a.causal_efficiency = fraction(t, "causal_efficiency", "factor on causal kernels");
  a.cta_overhead_blocks = t.require_number("cta_overhead_blocks", "per-thread-block overhead in inner iterations, >= 0");
  if (!(a.cta_overhead_blocks >= 0 && a.cta_overhead_blocks <= 1e6))
    throw t.error("cta_overhead_blocks", fmt::format("{} is out of range", a.cta_overhead_blocks), "a number from 0 to 1e6");
  a.forward_launch_floor_s = seconds(t, "forward_launch_floor", "host issue time of one attention call");
  a.backward_launch_floor_s = seconds(t, "backward_launch_floor", "host issue time of one attention backward");
  t.reject_unknown_keys();
}

void read_gpu(TomlTable& t, HardwarePreset& p) {
  GpuCalibration g;
  g.sms = t.require_integer("sms", "streaming multiprocessors, e.g. 132");
  if (g.sms < 1 || g.sms > kMaxArrays) throw t.error("sms", fmt::format("{} is out of range", g.sms), "an integer from 1 to 16777216");
  if (p.systolic.arrays % g.sms != 0)
    throw t.error("sms", fmt::format("{} SMs do not divide the {} arrays of [array] count", g.sms, p.systolic.arrays),
                  "the SM count, a divisor of [array] count (tensor cores per SM x SMs)");
  constexpr const char* kTiles = "thread-block output tiles the GEMM library uses, e.g. [\"128x256\", \"256x128\"]";
  auto tiles = t.string_array("tiles", kTiles);
  if (!tiles || tiles->empty()) throw t.error("tiles", tiles ? "must not be empty" : "missing required key", kTiles);
  for (const auto& s : *tiles) {
    std::vector<int> d;
    try {
      d = parse_shape(s);
    } catch (const std::invalid_argument&) {
    }
    if (d.size() != 2 || d[0] > 4096 || d[1] > 4096)
      throw t.error("tiles", fmt::format("'{}' is not a tile shape", s), "MxN with M, N from 1 to 4096, e.g. \"128x256\"");
    g.tiles.push_back({d[0], d[1]});
  }
  g.k_tile = t.require_integer("k_tile", "depth of one main-loop iteration, e.g. 64");
  if (g.k_tile < 1 || g.k_tile > 4096) throw t.error("k_tile", fmt::format("{} is out of range", g.k_tile), "an integer from 1 to 4096");
  g.best_gemm_flops = t.require_number("best_gemm_flops", "best-shape GEMM FLOP/s, > 0 and <= the peak");
  if (!(g.best_gemm_flops > 0) || g.best_gemm_flops > p.peak_flops * (1 + kPeakTolerance))
    throw t.error("best_gemm_flops", fmt::format("{:.4g} is not in (0, peak = {:.4g}]", g.best_gemm_flops, p.peak_flops),
                  "FLOP/s > 0 and at most the derived peak");
  g.sustained_fraction = fraction(t, "sustained_fraction", "typical over best-shape GEMM throughput");
  g.kernel_overhead_s = seconds(t, "kernel_overhead", "per-kernel launch latency and tail");
  g.gemm_launch_floor_s = seconds(t, "gemm_launch_floor", "least time of one GEMM call");
  auto bw = t.bandwidth("elementwise_bandwidth");
  if (!bw) throw t.error("elementwise_bandwidth", "missing required key", "achievable DRAM bandwidth, e.g. \"4.3TBps\"");
  if (*bw > p.memory_bandwidth_Bps * (1 + 1e-9))
    throw t.error("elementwise_bandwidth", fmt::format("{:.4g} B/s exceeds the DRAM bandwidth {:.4g} B/s", *bw, p.memory_bandwidth_Bps),
                  "at most [memory] bandwidth");
  g.elementwise_bandwidth_Bps = *bw;
  g.elementwise_launch_floor_s = seconds(t, "elementwise_launch_floor", "least time of one element-wise kernel call");
  g.misaligned_efficiency = fraction(t, "misaligned_efficiency", "GEMM efficiency factor with 4-byte-aligned rows");
  g.unaligned_efficiency = fraction(t, "unaligned_efficiency", "GEMM efficiency factor with rows below 4-byte alignment");
  TomlTable att = t.require_table("attention", "[gpu.attention] with block, forward_efficiency, backward_efficiency, "
                                               "causal_efficiency, cta_overhead_blocks and the two launch floors");
  read_attention(att, g.attention);
  t.reject_unknown_keys();
  p.gpu = std::move(g);
}

}  // namespace

std::string to_string(const GemmTile& t) { return fmt::format("{}x{}", t.m, t.n); }

std::vector<std::string> hardware_preset_names() { return embedded_names("compute/presets", ".toml"); }

HardwarePreset parse_hardware_preset(std::string_view toml_text, const std::string& file_name) {
  TomlTable t = TomlTable::parse_string(toml_text, file_name);
  HardwarePreset p;
  p.name = t.require_string("name", "the preset's short name, e.g. \"a100\"");
  p.description = t.string("description").value_or("");
  p.source = t.string("source").value_or("");
  TomlTable array = t.require_table("array", "[array] with rows, cols, count, dataflow, clock_mhz");
  read_array(array, p);
  TomlTable memory = t.require_table("memory", "[memory] with bandwidth or words_per_cycle");
  read_memory(memory, p);  // before [sram]: element size converts SRAM bytes to words
  TomlTable sram = t.require_table("sram", "[sram] with ifmap, filter, ofmap sizes per array");
  read_sram(sram, p);
  p.peak_flops = p.systolic.peak_flops();
  if (auto v = t.number("vendor_peak_flops", "the vendor's dense FP16/BF16 FLOP/s, e.g. 312e12")) {
    if (!(*v > 0)) throw t.error("vendor_peak_flops", "must be positive", "FLOP/s > 0");
    p.vendor_peak_flops = *v;
    if (std::abs(p.peak_flops / *v - 1) > kPeakTolerance)
      throw t.error("vendor_peak_flops",
                    fmt::format("the arrays give 2 x {} x {} x {} x {} MHz = {:.4g} FLOP/s, not {:.4g}",
                                p.systolic.array.rows, p.systolic.array.cols, p.systolic.arrays,
                                p.systolic.clock_hz / 1e6, p.peak_flops, *v),
                    "rows, cols, count and clock_mhz whose peak is within 0.5 % of vendor_peak_flops");
  }
  if (auto gpu = t.table("gpu")) read_gpu(*gpu, p);  // after the peak and the bandwidth it is checked against
  t.reject_unknown_keys();
  return p;
}

HardwarePreset load_hardware_preset(std::string_view name_or_path) {
  std::string rel = fmt::format("compute/presets/{}.toml", name_or_path);
  if (auto text = find_embedded_file(rel)) return parse_hardware_preset(*text, rel);
  std::string path(name_or_path);
  std::error_code ec;
  if (std::filesystem::is_regular_file(path, ec)) return parse_hardware_preset(read_text_file(path, "preset"), path);
  std::string names;
  for (const auto& n : hardware_preset_names()) names += (names.empty() ? "" : ", ") + n;
  throw InputError({}, "preset", fmt::format("unknown hardware preset '{}'", name_or_path),
                   fmt::format("one of {} or a path to a preset TOML file", names));
}

}  // namespace chimera
