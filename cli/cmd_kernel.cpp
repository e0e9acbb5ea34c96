// chimera-sim kernel --preset P [--model auto|gpu|systolic|roofline] [--json]
//   --kind elementwise --bytes B
//   --kind attention --batch-heads H --seq S [--seq-kv S2] --head-dim D [--causal] [--pass forward|backward]
// the cost of one non-GEMM kernel on a preset: a memory-bound (element-wise) kernel moving B
// bytes, or a fused (flash) attention pass. With the gpu model, its terms (transfer, overhead,
// launch floor; thread blocks, block pairs, waves, efficiency) are reported too.
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
#include "version.hpp"

namespace chimera {
namespace {

struct KernelOptions {
  std::string preset, kind, model = "auto", pass = "forward";
  std::optional<std::string> bytes;
  std::optional<std::int64_t> batch_heads, seq, seq_kv, head_dim;
  bool causal = false, json = false;
};

constexpr const char* kKinds = "elementwise or attention";

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

std::int64_t required_size(const char* option, const std::optional<std::int64_t>& v) {
  if (!v) throw option_error(option, "missing for --kind attention", "an integer from 1 to 2^40");
  if (*v < 1 || *v > kMaxGemmDimension)
    throw option_error(option, fmt::format("{} is out of range", *v), "an integer from 1 to 2^40");
  return *v;
}

nlohmann::json run_kernel(const KernelOptions& o) {
  HardwarePreset p;
  try {
    p = load_hardware_preset(o.preset);
  } catch (const InputError& e) {
    if (e.where().file.empty()) throw option_error("--preset", e.problem(), e.valid());
    throw;
  }
  const auto names = compute_model_names();
  if (std::find(names.begin(), names.end(), o.model) == names.end())
    throw option_error("--model", fmt::format("unknown compute model '{}'", o.model), join(names));
  const std::string model = resolve_compute_model(o.model, p);
  if (model == "gpu" && !p.gpu)
    throw option_error("--model", fmt::format("preset '{}' has no [gpu] calibration table", p.name),
                       "auto, systolic or roofline for this preset, or a preset with a [gpu] table");
  auto cost = make_cost_model(model, p);
  nlohmann::json j = {{"preset", p.name}, {"compute_model", model}, {"compute", cost->describe()},
                      {"kind", o.kind}, {"version", version_string()}};
  if (o.kind == "elementwise") {
    if (!o.bytes) throw option_error("--bytes", "missing for --kind elementwise", "bytes moved, e.g. 64MiB or 1e9");
    double bytes = 0;
    try {
      bytes = parse_bytes(*o.bytes);
    } catch (const std::invalid_argument& e) {
      throw option_error("--bytes", e.what(), "bytes moved, e.g. 64MiB or 1e9");
    }
    if (o.batch_heads || o.seq || o.seq_kv || o.head_dim || o.causal)
      throw option_error("--kind", "attention options given with --kind elementwise", "--bytes only");
    j["bytes"] = bytes;
    j["seconds"] = cost->elementwise_seconds(bytes);
    if (model == "gpu") {
      const GpuElementwiseCost e = gpu_elementwise(p, bytes);
      j["gpu"] = {{"transfer_seconds", e.transfer_seconds}, {"overhead_seconds", e.overhead_seconds},
                  {"launch_floor_seconds", e.launch_floor_seconds}, {"seconds", e.seconds}, {"bound", e.bound},
                  {"bandwidth_Bps", p.gpu->elementwise_bandwidth_Bps}};
    }
    j["achieved_Bps"] = j["seconds"].get<double>() > 0 ? bytes / j["seconds"].get<double>() : 0.0;
    return j;
  }
  if (o.kind != "attention") throw option_error("--kind", fmt::format("unknown kernel kind '{}'", o.kind), kKinds);
  if (o.bytes) throw option_error("--bytes", "given with --kind attention", "--batch-heads, --seq, --head-dim");
  AttentionPass pass;
  if (o.pass == "forward") pass = AttentionPass::forward;
  else if (o.pass == "backward") pass = AttentionPass::backward;
  else throw option_error("--pass", fmt::format("unknown pass '{}'", o.pass), "forward or backward");
  const std::int64_t bh = required_size("--batch-heads", o.batch_heads), s = required_size("--seq", o.seq),
                     skv = o.seq_kv ? required_size("--seq-kv", o.seq_kv) : s,
                     d = required_size("--head-dim", o.head_dim);
  const double seconds = cost->attention_seconds(bh, s, skv, d, o.causal, pass);
  const double flops = 4.0 * double(bh) * double(s) * double(skv) * double(d) *
                       (pass == AttentionPass::forward ? 1.0 : 2.5) * (o.causal ? causal_fraction(s, skv) : 1.0);
  j.update({{"batch_heads", bh}, {"seq_q", s}, {"seq_kv", skv}, {"head_dim", d}, {"causal", o.causal},
            {"pass", to_string(pass)}, {"flops", flops}, {"seconds", seconds}, {"achieved_flops", flops / seconds},
            {"peak_flops", p.peak_flops}});
  if (model == "gpu") {
    const GpuAttentionCost a = gpu_attention(p, bh, s, skv, d, o.causal, pass);
    j["gpu"] = {{"block", p.gpu->attention.block}, {"jobs", a.jobs}, {"block_pairs", a.block_pairs},
                {"waves", a.waves}, {"efficiency", a.efficiency}, {"main_seconds", a.main_seconds},
                {"overhead_seconds", a.overhead_seconds}, {"launch_floor_seconds", a.launch_floor_seconds},
                {"seconds", a.seconds}, {"bound", a.bound}};
  }
  return j;
}

void print_text(const nlohmann::json& j) {
  std::cout << fmt::format("# {} kernel on preset {}; {}\n# compute model {}: {}\n", j["kind"].get<std::string>(),
                           j["preset"].get<std::string>(), j["version"].get<std::string>(),
                           j["compute_model"].get<std::string>(), j["compute"].get<std::string>());
  auto row = [](const char* label, const std::string& value) { std::cout << fmt::format("{:<20}{}\n", label, value); };
  if (j["kind"] == "elementwise") {
    row("bytes", format_bytes(j["bytes"].get<double>()));
    if (j.contains("gpu")) {
      const auto& g = j["gpu"];
      row("transfer", format_duration(g["transfer_seconds"].get<double>()) + " at " +
                          format_bandwidth(g["bandwidth_Bps"].get<double>()) + " (achievable)");
      row("overhead", format_duration(g["overhead_seconds"].get<double>()));
      row("launch floor", format_duration(g["launch_floor_seconds"].get<double>()));
    }
    row("seconds", fmt::format("{:.6g}{}", j["seconds"].get<double>(),
                               j.contains("gpu") ? " (" + j["gpu"]["bound"].get<std::string>() + "-bound)" : ""));
    row("achieved", format_bandwidth(j["achieved_Bps"].get<double>()));
    return;
  }
  row("attention", fmt::format("{} pass, {} heads, {} queries x {} keys, head dim {}{}", j["pass"].get<std::string>(),
                               j["batch_heads"].get<std::int64_t>(), j["seq_q"].get<std::int64_t>(),
                               j["seq_kv"].get<std::int64_t>(), j["head_dim"].get<std::int64_t>(),
                               j["causal"].get<bool>() ? ", causal" : ""));
  if (j.contains("gpu")) {
    const auto& g = j["gpu"];
    row("thread blocks", fmt::format("{} ({} query/key block pairs of {})", g["jobs"].get<std::int64_t>(),
                                     g["block_pairs"].get<std::int64_t>(), g["block"].get<std::int64_t>()));
    row("waves", fmt::format("{:.6g} block pairs on the busiest SM", g["waves"].get<double>()));
    row("efficiency", fmt::format("{:.4f} of peak", g["efficiency"].get<double>()));
    row("main loop", format_duration(g["main_seconds"].get<double>()));
    row("overhead", format_duration(g["overhead_seconds"].get<double>()));
    row("launch floor", format_duration(g["launch_floor_seconds"].get<double>()));
  }
  row("seconds", fmt::format("{:.6g}{}", j["seconds"].get<double>(),
                             j.contains("gpu") ? " (" + j["gpu"]["bound"].get<std::string>() + "-bound)" : ""));
  row("achieved", fmt::format("{:.2f} TFLOP/s", j["achieved_flops"].get<double>() / 1e12));
}

}  // namespace

void add_kernel_command(CLI::App& app) {
  auto o = std::make_shared<KernelOptions>();
  CLI::App* cmd = app.add_subcommand("kernel", "Cost one element-wise or fused-attention kernel on a preset");
  cmd->add_option("--preset", o->preset, "Hardware preset name or preset TOML file")->required();
  cmd->add_option("--kind", o->kind, std::string("Kernel kind: ") + kKinds)->required();
  cmd->add_option("--model", o->model, "Compute model: auto (default), gpu, systolic or roofline")->capture_default_str();
  cmd->add_option("--bytes", o->bytes, "Element-wise: bytes read and written (e.g. 64MiB)");
  cmd->add_option("--batch-heads", o->batch_heads, "Attention: micro-batch x query heads");
  cmd->add_option("--seq", o->seq, "Attention: queries per head");
  cmd->add_option("--seq-kv", o->seq_kv, "Attention: keys per head (default: --seq)");
  cmd->add_option("--head-dim", o->head_dim, "Attention: head dimension");
  cmd->add_flag("--causal", o->causal, "Attention: causal mask");
  cmd->add_option("--pass", o->pass, "Attention: forward or backward")->capture_default_str();
  cmd->add_flag("--json", o->json, "Print one JSON object");
  cmd->callback([o] {
    nlohmann::json j;
    try {
      j = run_kernel(*o);
    } catch (const std::invalid_argument& e) {
      throw option_error("--kind", e.what(), "sizes the model accepts");
    }
    if (o->json) return print_json(j);
    print_text(j);
  });
}

}  // namespace chimera
