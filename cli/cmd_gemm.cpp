// chimera-sim gemm --preset P --m M --n N --k K [--batch B] [--model auto|gpu|systolic|roofline]
//   [--dataflow os|ws|is] [--rows R --cols C --arrays A] [--bandwidth-mode calc|user --bandwidth W]
//   [--json]:
// one GEMM on a hardware preset. The systolic arrays' view (ScaleSim-v2 semantics: cycles,
// stall cycles, utilisations, DRAM traffic) is always reported; seconds, achieved_flops and
// memory_bound come from the model that ran ("auto": the preset's own, gpu where it has a
// [gpu] table), and the gpu model adds its efficiency terms. The systolic overrides
// (--dataflow ... --bandwidth) select the systolic model when --model is not given.
#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <optional>
#include <stdexcept>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "common/input_error.hpp"
#include "common/units.hpp"
#include "compute/cost_model.hpp"
#include "compute/gpu_model.hpp"
#include "compute/hardware_preset.hpp"
#include "compute/systolic_gemm.hpp"
#include "version.hpp"

namespace chimera {
namespace {

struct GemmOptions {
  std::string preset = "isca25";
  std::int64_t m = 0, n = 0, k = 0, batch = 1;
  std::optional<std::string> dataflow, bandwidth_mode;
  std::optional<std::int64_t> rows, cols, arrays;
  std::optional<double> bandwidth;
  std::optional<std::string> model;
  bool json = false;
  bool systolic_overrides() const { return dataflow || bandwidth_mode || rows || cols || arrays || bandwidth; }
};

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

// The model that runs: --model, else systolic when its overrides are given, else the preset's own.
std::string model_for(const GemmOptions& o, const HardwarePreset& p) {
  const auto names = compute_model_names();
  if (o.model && std::find(names.begin(), names.end(), *o.model) == names.end())
    throw option_error("--model", fmt::format("unknown compute model '{}'", *o.model), join(names));
  const std::string m = resolve_compute_model(o.model.value_or(o.systolic_overrides() ? "systolic" : "auto"), p);
  if (m != "systolic" && o.systolic_overrides())
    throw option_error("--model", fmt::format("--dataflow, --rows, --cols, --arrays, --bandwidth-mode and --bandwidth "
                                              "configure the systolic model, not '{}'", m),
                       "--model systolic (or no --model) with those options");
  if (m == "gpu" && !p.gpu)
    throw option_error("--model", fmt::format("preset '{}' has no [gpu] calibration table", p.name),
                       "auto, systolic or roofline for this preset, or a preset with a [gpu] table");
  return m;
}

HardwarePreset preset_for_option(const std::string& name) {
  try {
    return load_hardware_preset(name);
  } catch (const InputError& e) {
    if (e.where().file.empty()) throw option_error("--preset", e.problem(), e.valid());
    throw;  // a malformed preset file: its own file, line and key
  }
}

void require_positive(const char* option, std::int64_t v, std::int64_t max = kMaxGemmDimension) {
  if (v < 1) throw option_error(option, fmt::format("must be >= 1 (got {})", v), fmt::format("an integer from 1 to {}", max));
  if (v > max) throw option_error(option, fmt::format("{} is too large", v), fmt::format("an integer from 1 to {}", max));
}

constexpr std::int64_t kMaxArraySide = 65536, kMaxArrays = std::int64_t(1) << 24;

// The preset's configuration with the command line's overrides applied.
SystolicConfig configure(const GemmOptions& o, const HardwarePreset& p) {
  SystolicConfig c = p.systolic;
  if (o.dataflow && !parse_dataflow(*o.dataflow, c.array.dataflow))
    throw option_error("--dataflow", fmt::format("unknown dataflow '{}'", *o.dataflow), kDataflowChoices);
  if (o.rows) require_positive("--rows", *o.rows, kMaxArraySide), c.array.rows = *o.rows;
  if (o.cols) require_positive("--cols", *o.cols, kMaxArraySide), c.array.cols = *o.cols;
  if (o.arrays) require_positive("--arrays", *o.arrays, kMaxArrays), c.arrays = *o.arrays;
  if (o.bandwidth_mode && !parse_bandwidth_mode(*o.bandwidth_mode, c.bandwidth_mode))
    throw option_error("--bandwidth-mode", fmt::format("unknown bandwidth mode '{}'", *o.bandwidth_mode),
                       kBandwidthModeChoices);
  if (o.bandwidth) {
    if (!(*o.bandwidth > 0))
      throw option_error("--bandwidth", fmt::format("must be positive (got {})", *o.bandwidth),
                         "DRAM words per cycle per array, > 0, e.g. 50");
    c.dram_words_per_cycle = *o.bandwidth;
  }
  return c;
}

nlohmann::json per_operand(const GemmCost& g, double OperandTraffic::*field) {
  nlohmann::json j;
  for (int x = 0; x < 3; ++x) j[operand_name(x)] = g.traffic[x].*field;
  return j;
}

nlohmann::json gpu_json(const GpuGemmCost& g) {
  return {{"tile", to_string(g.tile)}, {"tile_m", g.tile.m}, {"tile_n", g.tile.n},
          {"tiles", g.tiles}, {"k_slices", g.k_slices}, {"work_units", g.work_units}, {"waves", g.waves},
          {"wave_efficiency_percent", 100 * g.wave_efficiency}, {"tile_efficiency_percent", 100 * g.tile_efficiency},
          {"alignment_bytes", g.alignment_bytes}, {"alignment_efficiency", g.alignment_efficiency},
          {"tensor_efficiency", g.tensor_efficiency}, {"peak_main_seconds", g.peak_main_seconds},
          {"main_seconds", g.main_seconds}, {"memory_seconds", g.memory_seconds},
          {"overhead_seconds", g.overhead_seconds}, {"launch_floor_seconds", g.launch_floor_seconds},
          {"kernel_seconds", g.kernel_seconds}, {"seconds", g.seconds}, {"bound", g.bound}};
}

nlohmann::json to_json(const GemmOptions& o, const HardwarePreset& p, const SystolicConfig& c, const GemmCost& g) {
  nlohmann::json stalls;
  for (int x = 0; x < 3; ++x) stalls[operand_name(x)] = g.traffic[x].stall_cycles;
  const double flops = 2.0 * double(o.m) * double(o.n) * double(o.k) * double(o.batch);
  return {{"preset", p.name},
          {"compute_model", "systolic"},
          {"version", version_string()},
          {"m", o.m}, {"n", o.n}, {"k", o.k}, {"batch", o.batch},
          {"array", {{"rows", c.array.rows}, {"cols", c.array.cols}, {"arrays", c.arrays},
                     {"dataflow", to_string(c.array.dataflow)}, {"clock_hz", c.clock_hz}}},
          {"bandwidth_mode", to_string(c.bandwidth_mode)},
          {"bandwidth_words_per_cycle", c.dram_words_per_cycle},
          {"spatial_rows", g.mapping.spatial_rows}, {"spatial_cols", g.mapping.spatial_cols},
          {"temporal", g.mapping.temporal}, {"row_folds", g.mapping.row_folds}, {"col_folds", g.mapping.col_folds},
          {"folds", g.mapping.folds()}, {"fold_cycles", g.mapping.fold_cycles}, {"waves", g.waves},
          {"compute_cycles", g.compute_cycles}, {"stall_cycles", g.stall_cycles}, {"total_cycles", g.total_cycles},
          {"operand_stall_cycles", stalls},
          {"seconds", g.seconds}, {"compute_seconds", g.compute_seconds},
          {"dram_floor_seconds", g.dram_floor_seconds}, {"memory_bound", g.memory_bound()},
          {"overall_util_percent", 100 * g.util.overall},
          {"mapping_efficiency_percent", 100 * g.util.mapping},
          {"compute_util_percent", 100 * g.util.compute},
          {"wave_efficiency_percent", 100 * g.wave_efficiency},
          {"dram_words", per_operand(g, &OperandTraffic::dram_words)},
          {"dram_words_per_cycle", per_operand(g, &OperandTraffic::words_per_cycle)},
          {"flops", flops}, {"peak_flops", c.peak_flops()}, {"achieved_flops", flops / g.seconds}};
}

void print_gpu(const nlohmann::json& j) {
  auto row = [](const char* label, const std::string& value) { std::cout << fmt::format("{:<20}{}\n", label, value); };
  const auto& g = j["gpu"];
  row("tile", fmt::format("{} (of the preset's tiles, the cheapest); {} tiles x {} k-slices = {} work units",
                          g["tile"].get<std::string>(), g["tiles"].get<std::int64_t>(), g["k_slices"].get<std::int64_t>(),
                          g["work_units"].get<std::int64_t>()));
  row("waves", fmt::format("{} over the SMs (wave efficiency {:.2f} %, tile efficiency {:.2f} %)",
                           g["waves"].get<std::int64_t>(), g["wave_efficiency_percent"].get<double>(),
                           g["tile_efficiency_percent"].get<double>()));
  row("alignment", fmt::format("{} B rows (efficiency x {:g})", g["alignment_bytes"].get<int>(),
                               g["alignment_efficiency"].get<double>()));
  row("tensor efficiency", fmt::format("{:.4f} of peak", g["tensor_efficiency"].get<double>()));
  row("main loop", format_duration(g["main_seconds"].get<double>()));
  row("memory", format_duration(g["memory_seconds"].get<double>()) + " (compulsory traffic, achievable bandwidth)");
  row("overhead", format_duration(g["overhead_seconds"].get<double>()));
  row("launch floor", format_duration(g["launch_floor_seconds"].get<double>()));
  row("seconds", fmt::format("{:.6g} ({}-bound)", j["seconds"].get<double>(), g["bound"].get<std::string>()));
}

void print_systolic(const nlohmann::json& j) {
  auto row = [](const char* label, const std::string& value) { std::cout << fmt::format("{:<20}{}\n", label, value); };
  row("mapping", fmt::format("S_R={} S_C={} T={}; folds {} x {} = {}; {} cycles per fold",
                             j["spatial_rows"].get<std::int64_t>(), j["spatial_cols"].get<std::int64_t>(),
                             j["temporal"].get<std::int64_t>(), j["row_folds"].get<std::int64_t>(),
                             j["col_folds"].get<std::int64_t>(), j["folds"].get<std::int64_t>(),
                             j["fold_cycles"].get<std::int64_t>()));
  row("waves", fmt::format("{} (wave efficiency {:.2f} %)", j["waves"].get<std::int64_t>(),
                           j["wave_efficiency_percent"].get<double>()));
  row("total cycles", std::to_string(j["total_cycles"].get<std::int64_t>()));
  row("stall cycles", std::to_string(j["stall_cycles"].get<std::int64_t>()));
  row("seconds", fmt::format("{:.6g}{}", j["seconds"].get<double>(),
                             j["memory_bound"].get<bool>() ? " (DRAM traffic floor)" : ""));
  row("overall util", fmt::format("{:.2f} %", j["overall_util_percent"].get<double>()));
  row("mapping efficiency", fmt::format("{:.2f} %", j["mapping_efficiency_percent"].get<double>()));
  row("compute util", fmt::format("{:.2f} %", j["compute_util_percent"].get<double>()));
  auto ops = [&](const char* key, const char* fmt_spec) {
    std::string s;
    for (const char* x : {"ifmap", "filter", "ofmap"})
      s += fmt::format("{}{} {}", s.empty() ? "" : ", ", x, fmt::format(fmt::runtime(fmt_spec), j[key][x].get<double>()));
    return s;
  };
  row("DRAM words", ops("dram_words", "{:.0f}"));
  row("DRAM words/cycle", ops("dram_words_per_cycle", "{:.3f}") +
                              (j["bandwidth_mode"] == "calc" ? " (needed, CALC)" : " (achieved, USER)"));
}

void print_text(const nlohmann::json& j, const HardwarePreset& p) {
  const auto& a = j["array"];
  const std::string model = j["compute_model"].get<std::string>();
  std::cout << fmt::format("# gemm on preset {} ({}); {}\n", p.name, p.description, j["version"].get<std::string>());
  std::cout << fmt::format("# compute model {}: {}\n", model, j["compute"].get<std::string>());
  if (model == "systolic")
    std::cout << fmt::format("# {} array(s) of {} x {}, dataflow {}, {:g} MHz, bandwidth {} ({:g} words/cycle/array), "
                             "peak {:.1f} TFLOP/s\n",
                             a["arrays"].get<std::int64_t>(), a["rows"].get<std::int64_t>(), a["cols"].get<std::int64_t>(),
                             a["dataflow"].get<std::string>(), a["clock_hz"].get<double>() / 1e6,
                             j["bandwidth_mode"].get<std::string>(), j["bandwidth_words_per_cycle"].get<double>(),
                             j["peak_flops"].get<double>() / 1e12);
  auto row = [](const char* label, const std::string& value) { std::cout << fmt::format("{:<20}{}\n", label, value); };
  row("GEMM", fmt::format("M={} N={} K={} batch={}", j["m"].get<std::int64_t>(), j["n"].get<std::int64_t>(),
                          j["k"].get<std::int64_t>(), j["batch"].get<std::int64_t>()));
  if (model == "systolic") print_systolic(j);
  else if (model == "gpu") print_gpu(j);
  else row("seconds", fmt::format("{:.6g}{}", j["seconds"].get<double>(), j["memory_bound"].get<bool>() ? " (memory-bound)" : ""));
  row("achieved", fmt::format("{:.2f} TFLOP/s ({:.1f} % of {:.1f})", j["achieved_flops"].get<double>() / 1e12,
                              100 * j["achieved_flops"].get<double>() / j["peak_flops"].get<double>(),
                              j["peak_flops"].get<double>() / 1e12));
}

}  // namespace

void add_gemm_command(CLI::App& app) {
  auto o = std::make_shared<GemmOptions>();
  CLI::App* cmd = app.add_subcommand(
      "gemm", "Cost one GEMM on a preset: calibrated GPU kernels or systolic arrays (ScaleSim-v2 semantics)");
  cmd->add_option("--preset", o->preset, "Hardware preset name or preset TOML file")->capture_default_str();
  cmd->add_option("--m", o->m, "Rows of A and of the result (GEMM A[M x K] * B[K x N])")->required();
  cmd->add_option("--n", o->n, "Columns of B and of the result")->required();
  cmd->add_option("--k", o->k, "Inner dimension")->required();
  cmd->add_option("--batch", o->batch, "Independent GEMMs of this shape in one launch")->capture_default_str();
  cmd->add_option("--model", o->model,
                  "Compute model: auto (default: gpu where the preset has a [gpu] table, else systolic), gpu, "
                  "systolic or roofline");
  cmd->add_option("--dataflow", o->dataflow, std::string("Override the preset's dataflow: ") + kDataflowChoices);
  cmd->add_option("--rows", o->rows, "Override the array rows R");
  cmd->add_option("--cols", o->cols, "Override the array columns C");
  cmd->add_option("--arrays", o->arrays, "Override the number of arrays working in parallel");
  cmd->add_option("--bandwidth-mode", o->bandwidth_mode,
                  std::string("Override the bandwidth mode: ") + kBandwidthModeChoices);
  cmd->add_option("--bandwidth", o->bandwidth, "DRAM words per cycle per array (USER mode)");
  cmd->add_flag("--json", o->json, "Print one JSON object");
  cmd->callback([o] {
    require_positive("--m", o->m);
    require_positive("--n", o->n);
    require_positive("--k", o->k);
    require_positive("--batch", o->batch);
    HardwarePreset p = preset_for_option(o->preset);
    const std::string model = model_for(*o, p);
    SystolicConfig c = configure(*o, p);
    GemmCost g;
    try {
      g = systolic_gemm(c, o->m, o->n, o->k, o->batch);
    } catch (const std::invalid_argument& e) {  // a cycle count beyond 64 bits
      throw option_error("--m/--n/--k", e.what(), "a smaller GEMM");
    }
    nlohmann::json j = to_json(*o, p, c, g);
    j["compute_model"] = model;
    j["systolic_seconds"] = g.seconds;
    if (model == "gpu") {
      GpuGemmCost gc;
      try {
        gc = gpu_gemm(p, o->m, o->n, o->k, o->batch, p.systolic.bytes_per_element);
      } catch (const std::invalid_argument& e) {
        throw option_error("--m/--n/--k", e.what(), "a smaller GEMM");
      }
      j["gpu"] = gpu_json(gc);
      j["seconds"] = gc.seconds;
      j["memory_bound"] = std::string(gc.bound) == "memory";
    } else if (model == "roofline") {
      j["seconds"] = make_roofline_model(p)->gemm_seconds(o->m, o->n, o->k, o->batch, p.systolic.bytes_per_element);
      const double flops = j["flops"].get<double>(), bytes = double(p.systolic.bytes_per_element) * double(o->batch) *
          (double(o->m) * double(o->k) + double(o->k) * double(o->n) + double(o->m) * double(o->n));
      j["memory_bound"] = bytes / p.memory_bandwidth_Bps > flops / p.peak_flops;
    }
    j["achieved_flops"] = j["flops"].get<double>() / j["seconds"].get<double>();
    j["compute"] = model == "systolic" ? make_systolic_model(p)->describe() : make_cost_model(model, p)->describe();
    if (o->json) return print_json(j);
    print_text(j, p);
  });
}

}  // namespace chimera
