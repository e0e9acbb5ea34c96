// chimera-sim layer --model M --preset P [--seq S --batch B --tp T --ep E]
//   [--lowering standard|isca25] [--compute-model auto|gpu|systolic|roofline] [--embedding] [--json]:
// the kernels of one transformer layer on one device, forward and backward (input- and
// weight-gradient), each costed, with per-block and per-layer totals.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <optional>
#include <stdexcept>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "common/input_error.hpp"
#include "common/units.hpp"
#include "compute/hardware_preset.hpp"
#include "compute/systolic_model.hpp"
#include "version.hpp"
#include "workloads/transformer_kernels.hpp"

namespace chimera {
namespace {

struct LayerOptions {
  std::string model, preset, lowering = "standard", compute_model;
  std::optional<std::int64_t> seq, batch;
  std::int64_t tp = 1, ep = 1;
  bool embedding = false, json = false;
};

constexpr LayerPass kPasses[] = {LayerPass::forward, LayerPass::backward_input, LayerPass::backward_weight};

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

// Errors of a name that came from an option carry the option's name.
template <class F>
auto from_option(const char* option, F&& load) {
  try {
    return load();
  } catch (const InputError& e) {
    if (e.where().file.empty()) throw option_error(option, e.problem(), e.valid());
    throw;  // a malformed file: its own file, line and key
  }
}

ModelSpec layer_model(const LayerOptions& o) {
  ModelSpec m = from_option("--model", [&] { return load_zoo_model(o.model); });
  auto positive = [](const char* option, std::int64_t v) {
    constexpr std::int64_t kMax = 1 << 20;  // keeps tokens = batch * seq within the GEMM limit
    if (v < 1 || v > kMax)
      throw option_error(option, fmt::format("{} is out of range", v), fmt::format("an integer from 1 to {}", kMax));
  };
  if (o.seq) positive("--sequence", *o.seq), m.sequence = static_cast<int>(*o.seq);
  if (o.batch) positive("--micro-batch", *o.batch), m.micro_batch = static_cast<int>(*o.batch);
  positive("--tp", o.tp);
  positive("--ep", o.ep);
  return m;
}

LayerSharding layer_sharding(const LayerOptions& o, const ModelSpec& m) {
  LayerSharding s{static_cast<int>(o.tp), static_cast<int>(o.ep), LoweringMode::standard};
  if (!parse_lowering_mode(o.lowering, s.mode))
    throw option_error("--lowering", fmt::format("unknown lowering '{}'", o.lowering), kLoweringModeChoices);
  if (s.ep > 1 && m.experts == 0)
    throw option_error("--ep", fmt::format("model {} has no experts", m.name), "1 for a dense model");
  if (s.mode == LoweringMode::standard) {
    if (m.heads % s.tp != 0 || m.ffn_hidden % s.tp != 0)
      throw option_error("--tp", fmt::format("tp = {} does not divide the {} heads and the MLP size {}", s.tp, m.heads,
                                             m.ffn_hidden),
                         "a common divisor of heads and ffn_hidden");
    if (m.experts > 0 && m.experts % s.ep != 0)
      throw option_error("--ep", fmt::format("ep = {} does not divide the {} experts", s.ep, m.experts),
                         "a divisor of the expert count");
  }
  return s;
}

// Costs every GEMM once up front so that a shape beyond the model's limits is an input error.
void systolic_check(const SystolicCostModel* model, const std::vector<Kernel>& kernels) {
  if (!model) return;
  for (const Kernel& k : kernels)
    if (k.kind == Kernel::Kind::gemm) (void)model->gemm_cost(k.m, k.n, k.k, k.batch);
}

struct BlockPass {
  LayerBlock block;
  LayerPass pass;
  std::vector<Kernel> kernels;
  std::int64_t gemm_cycles = 0;  // systolic: sum over GEMMs of their cycles (full shapes)
  double seconds = 0;            // per device
};

nlohmann::json run_layer(const LayerOptions& o) {
  const ModelSpec m = layer_model(o);
  const LayerSharding shard = layer_sharding(o, m);
  const HardwarePreset preset = from_option("--preset", [&] { return load_hardware_preset(o.preset); });
  std::string model_name = o.compute_model.empty() ? default_compute_model() : o.compute_model;
  auto names = compute_model_names();
  if (std::find(names.begin(), names.end(), model_name) == names.end())
    throw option_error("--compute-model", fmt::format("unknown compute model '{}'", model_name), join(names));
  model_name = resolve_compute_model(model_name, preset);  // "auto" -> the preset's own
  if (model_name == "gpu" && !preset.gpu)
    throw option_error("--compute-model", fmt::format("preset '{}' has no [gpu] calibration table", preset.name),
                       "auto, systolic or roofline for this preset, or a preset with a [gpu] table");
  auto model = make_cost_model(model_name, preset);
  const auto* systolic = dynamic_cast<const SystolicCostModel*>(model.get());

  std::vector<LayerBlock> blocks = {LayerBlock::attention, LayerBlock::mlp};
  if (m.experts > 0) blocks.push_back(LayerBlock::moe);
  if (o.embedding) blocks.insert(blocks.end(), {LayerBlock::embedding, LayerBlock::lm_head});

  const double share = device_share(shard);
  std::vector<BlockPass> parts;
  std::size_t gemm_kernels = 0;
  nlohmann::json kernels = nlohmann::json::array();
  for (LayerBlock b : blocks)
    for (LayerPass p : kPasses) {
      BlockPass bp{b, p, {}};
      try {
        bp.kernels = transformer_block_kernels(m, shard, b, p);
        systolic_check(systolic, bp.kernels);
      } catch (const std::invalid_argument& e) {
        throw option_error("--model", e.what(), "a layer whose GEMMs fit the model's limits");
      }
      bp.seconds = cost_kernels(bp.kernels, *model, m.bytes_per_element, share);
      for (const Kernel& k : bp.kernels) {
        nlohmann::json j = {{"block", to_string(b)}, {"pass", to_string(p)}, {"name", k.name},
                            {"seconds", k.seconds}};
        if (k.kind == Kernel::Kind::gemm) {
          ++gemm_kernels;
          j.update({{"kind", "gemm"}, {"m", k.m}, {"n", k.n}, {"k", k.k}, {"batch", k.batch}, {"flops", k.flops()}});
          if (systolic) {
            const GemmCost& g = systolic->gemm_cost(k.m, k.n, k.k, k.batch);
            bp.gemm_cycles += g.total_cycles;
            j.update({{"cycles", g.total_cycles}, {"stall_cycles", g.stall_cycles},
                      {"overall_util_percent", 100 * g.util.overall}, {"memory_bound", g.memory_bound()}});
          }
        } else {
          j.update({{"kind", "elementwise"}, {"bytes", k.bytes}});
        }
        kernels.push_back(std::move(j));
      }
      parts.push_back(std::move(bp));
    }

  nlohmann::json block_totals = nlohmann::json::array();
  for (const BlockPass& bp : parts) {
    nlohmann::json j = {{"block", to_string(bp.block)}, {"pass", to_string(bp.pass)}, {"seconds", bp.seconds}};
    if (systolic) j["cycles"] = bp.gemm_cycles;
    block_totals.push_back(std::move(j));
  }
  // A layer is attention + MLP (dense) or attention + MoE block (MoE-style models alternate them).
  auto layer_totals = [&](LayerBlock second) {
    nlohmann::json out;
    std::int64_t all_cycles = 0;
    double all_seconds = 0;
    for (LayerPass p : kPasses) {
      std::int64_t cycles = 0;
      double seconds = 0;
      for (const BlockPass& bp : parts)
        if (bp.pass == p && (bp.block == LayerBlock::attention || bp.block == second))
          cycles += bp.gemm_cycles, seconds += bp.seconds;
      out[to_string(p)] = {{"seconds", seconds}};
      if (systolic) out[to_string(p)]["cycles"] = cycles;
      all_cycles += cycles, all_seconds += seconds;
    }
    out["total"] = {{"seconds", all_seconds}};
    if (systolic) out["total"]["cycles"] = all_cycles;
    if (systolic && shard.mode == LoweringMode::isca25)  // the study: ceil(full-layer cycles / devices)
      for (auto& [pass, v] : out.items())
        v["device_cycles"] = (v["cycles"].get<std::int64_t>() + shard.tp - 1) / shard.tp;
    return out;
  };
  nlohmann::json layers = {{"dense", layer_totals(LayerBlock::mlp)}};
  if (m.experts > 0) layers["moe"] = layer_totals(LayerBlock::moe);

  nlohmann::json out = {{"model", m.name},
                        {"preset", preset.name},
                        {"compute_model", model_name},
                        {"compute", model->describe()},
                        {"lowering", to_string(shard.mode)},
                        {"seq", m.sequence},
                        {"batch", m.micro_batch},
                        {"tp", shard.tp},
                        {"ep", shard.ep},
                        {"bytes_per_element", m.bytes_per_element},
                        {"device_share", share},
                        {"version", version_string()},
                        {"kernels", kernels},
                        {"blocks", block_totals},
                        {"layers", layers},
                        {"gemm_kernels", gemm_kernels}};
  if (systolic) {
    out["distinct_gemms"] = systolic->distinct_gemms();
    out["gemm_evaluations"] = systolic->gemm_evaluations();
  }
  return out;
}

void print_text(const nlohmann::json& j) {
  const bool cycles = j.contains("distinct_gemms");
  std::cout << fmt::format("# one layer of {} (seq {}, batch {}, tp {}, ep {}), lowering {}\n", j["model"].get<std::string>(),
                           j["seq"].get<int>(), j["batch"].get<int>(), j["tp"].get<int>(), j["ep"].get<int>(),
                           j["lowering"].get<std::string>());
  std::cout << fmt::format("# compute: {}\n# {}\n", j["compute"].get<std::string>(), j["version"].get<std::string>());
  if (j["device_share"].get<double>() != 1.0)
    std::cout << fmt::format("# GEMM shapes and cycles are the full layer's; seconds are per device (x {:g})\n",
                             j["device_share"].get<double>());
  std::cout << fmt::format("{:<10} {:<16} {:<26} {:>7} {:>7} {:>7} {:>6} {:>12} {:>12}\n", "block", "pass", "kernel", "M",
                           "N", "K", "batch", cycles ? "cycles" : "", "seconds");
  auto num = [](const nlohmann::json& k, const char* key) {
    return k.contains(key) ? std::to_string(k[key].get<std::int64_t>()) : std::string();
  };
  std::size_t next = 0;
  const auto& ks = j["kernels"];
  for (const auto& b : j["blocks"]) {
    for (; next < ks.size() && ks[next]["block"] == b["block"] && ks[next]["pass"] == b["pass"]; ++next) {
      const auto& k = ks[next];
      std::string label = k["name"].get<std::string>();
      if (k["kind"] == "elementwise") label += " (" + format_bytes(k["bytes"].get<double>()) + ")";
      std::cout << fmt::format("{:<10} {:<16} {:<26} {:>7} {:>7} {:>7} {:>6} {:>12} {:>12}\n",
                               b["block"].get<std::string>(), b["pass"].get<std::string>(), label, num(k, "m"),
                               num(k, "n"), num(k, "k"), num(k, "batch"), num(k, "cycles"),
                               format_duration(k["seconds"].get<double>()));
    }
    std::cout << fmt::format("{:<10} {:<16} {:<26} {:>7} {:>7} {:>7} {:>6} {:>12} {:>12}\n", b["block"].get<std::string>(),
                             b["pass"].get<std::string>(), "= block total", "", "", "", "", num(b, "cycles"),
                             format_duration(b["seconds"].get<double>()));
  }
  std::cout << "\n# per layer (cycles: sum over GEMMs; device cycles: ceil(cycles / tp), the study's per-device share)\n";
  std::cout << fmt::format("{:<8} {:<16} {:>12} {:>14} {:>12}\n", "layer", "pass", cycles ? "cycles" : "",
                           "device cycles", "seconds");
  for (const auto& [kind, passes] : j["layers"].items())
    for (const char* p : {"forward", "backward_input", "backward_weight", "total"}) {
      const auto& v = passes[p];
      std::cout << fmt::format("{:<8} {:<16} {:>12} {:>14} {:>12}\n", kind, p, num(v, "cycles"), num(v, "device_cycles"),
                               format_duration(v["seconds"].get<double>()));
    }
  if (cycles)
    std::cout << fmt::format("# {} GEMM kernels, {} distinct shapes costed\n", j["gemm_kernels"].get<std::size_t>(),
                             j["gemm_evaluations"].get<std::uint64_t>());
}

}  // namespace

void add_layer_command(CLI::App& app) {
  auto o = std::make_shared<LayerOptions>();
  CLI::App* cmd = app.add_subcommand("layer", "Per-kernel cost of one transformer layer, forward and backward");
  cmd->add_option("--model", o->model, "Model zoo name (workloads/models/)")->required();
  cmd->add_option("--preset", o->preset, "Hardware preset name or preset TOML file")->required();
  // The scenario's names ([model] sequence, micro_batch); the old flags stay as hidden aliases.
  cmd->add_option("--sequence", o->seq, "Sequence length (default: the model's)");
  cmd->add_option("--micro-batch", o->batch, "Sequences per micro-batch (default: the model's)");
  cmd->add_option("--seq", o->seq, "Old name of --sequence")->group("");
  cmd->add_option("--batch", o->batch, "Old name of --micro-batch")->group("");
  cmd->add_option("--tp", o->tp, "Tensor-parallel degree")->capture_default_str();
  cmd->add_option("--ep", o->ep, "Expert-parallel degree (MoE models)")->capture_default_str();
  cmd->add_option("--lowering", o->lowering, std::string("Lowering: ") + kLoweringModeChoices)->capture_default_str();
  cmd->add_option("--compute-model", o->compute_model,
                  "Compute cost model: auto (default: gpu where the preset has a [gpu] table, else systolic), gpu, "
                  "systolic or roofline");
  cmd->add_flag("--embedding", o->embedding, "Also list the embedding and LM head");
  cmd->add_flag("--json", o->json, "Print one JSON object");
  cmd->callback([o] {
    nlohmann::json j = run_layer(*o);
    if (o->json) return print_json(j);
    print_text(j);
  });
}

}  // namespace chimera
