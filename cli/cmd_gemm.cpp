// chimera-sim gemm --preset P --m M --n N --k K [--batch B] [--dataflow os|ws|is]
//   [--rows R --cols C --arrays A] [--bandwidth-mode calc|user --bandwidth W] [--json]:
// one GEMM on the systolic arrays of a hardware preset (ScaleSim-v2 semantics): cycles,
// stall cycles, seconds, utilisations and DRAM traffic.
#include <fmt/format.h>

#include <iostream>
#include <optional>
#include <stdexcept>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "common/input_error.hpp"
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
  bool json = false;
};

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

void print_text(const nlohmann::json& j, const HardwarePreset& p) {
  const auto& a = j["array"];
  std::cout << fmt::format("# gemm on preset {} ({}); {}\n", p.name, p.description, j["version"].get<std::string>());
  std::cout << fmt::format("# {} array(s) of {} x {}, dataflow {}, {:g} MHz, bandwidth {} ({:g} words/cycle/array), "
                           "peak {:.1f} TFLOP/s\n",
                           a["arrays"].get<std::int64_t>(), a["rows"].get<std::int64_t>(), a["cols"].get<std::int64_t>(),
                           a["dataflow"].get<std::string>(), a["clock_hz"].get<double>() / 1e6,
                           j["bandwidth_mode"].get<std::string>(), j["bandwidth_words_per_cycle"].get<double>(),
                           j["peak_flops"].get<double>() / 1e12);
  auto row = [](const char* label, const std::string& value) { std::cout << fmt::format("{:<20}{}\n", label, value); };
  row("GEMM", fmt::format("M={} N={} K={} batch={}", j["m"].get<std::int64_t>(), j["n"].get<std::int64_t>(),
                          j["k"].get<std::int64_t>(), j["batch"].get<std::int64_t>()));
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
  row("achieved", fmt::format("{:.2f} TFLOP/s", j["achieved_flops"].get<double>() / 1e12));
}

}  // namespace

void add_gemm_command(CLI::App& app) {
  auto o = std::make_shared<GemmOptions>();
  CLI::App* cmd = app.add_subcommand("gemm", "Cost one GEMM on a preset's systolic arrays (ScaleSim-v2 semantics)");
  cmd->add_option("--preset", o->preset, "Hardware preset name or preset TOML file")->capture_default_str();
  cmd->add_option("--m", o->m, "Rows of A and of the result (GEMM A[M x K] * B[K x N])")->required();
  cmd->add_option("--n", o->n, "Columns of B and of the result")->required();
  cmd->add_option("--k", o->k, "Inner dimension")->required();
  cmd->add_option("--batch", o->batch, "Independent GEMMs of this shape in one launch")->capture_default_str();
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
    SystolicConfig c = configure(*o, p);
    GemmCost g;
    try {
      g = systolic_gemm(c, o->m, o->n, o->k, o->batch);
    } catch (const std::invalid_argument& e) {  // a cycle count beyond 64 bits
      throw option_error("--m/--n/--k", e.what(), "a smaller GEMM");
    }
    nlohmann::json j = to_json(*o, p, c, g);
    if (o->json) return print_json(j);
    print_text(j, p);
  });
}

}  // namespace chimera
