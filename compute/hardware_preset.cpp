#include "compute/hardware_preset.hpp"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>

#include "common/embedded_files.hpp"
#include "common/input_error.hpp"
#include "common/text_file.hpp"
#include "common/toml_reader.hpp"

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

}  // namespace

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
