#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <limits>

#include "study/scenario.hpp"
#include "study/scenario_schedule.hpp"
#include "common/text_file.hpp"
#include "common/toml_reader.hpp"
#include "compute/cost_model.hpp"
#include "workloads/transformer_kernels.hpp"
#include "platforms/generator_registry.hpp"

#ifndef CHIMERA_SOURCE_DIR
#define CHIMERA_SOURCE_DIR "."
#endif

namespace chimera {
namespace {

namespace fs = std::filesystem;

std::string resolve(const std::string& scenario_file, const std::string& path) {
  if (path.empty() || fs::path(path).is_absolute()) return path;
  fs::path base = fs::path(scenario_file).parent_path();
  return (base / path).lexically_normal().string();
}

// A preset is a built-in name, or a file path relative to the scenario.
std::string resolve_preset(const std::string& scenario_file, const std::string& preset) {
  auto names = hardware_preset_names();
  bool looks_like_path = preset.find('/') != std::string::npos || preset.find(".toml") != std::string::npos;
  if (std::find(names.begin(), names.end(), preset) != names.end() || !looks_like_path) return preset;
  return resolve(scenario_file, preset);
}

std::string divisors_of(int n) {
  std::string s;
  for (int d = 1; d <= n; ++d)
    if (n % d == 0) s += (s.empty() ? "" : ", ") + std::to_string(d);
  return s;
}

// [parallel]: GPUs = tp x sp x pp x dp (Megatron-Core's TP x CP x PP x DP); ep is laid over the
// dp x sp ranks of a stage.
ParallelPlan read_parallel(TomlTable& t) {
  ParallelPlan p;
  auto degree = [&](const char* key, int& field) {
    if (auto v = t.positive_integer(key)) field = static_cast<int>(*v);
  };
  degree("tp", p.tp);
  degree("pp", p.pp);
  degree("sp", p.sp);
  degree("ep", p.ep);
  degree("micro_batches", p.micro_batches);
  if (auto v = t.boolean("sequence_parallel")) p.sequence_parallel = *v;
  auto gpus = t.positive_integer("gpus");
  auto dp = t.positive_integer("dp");
  if (gpus) {
    int n = static_cast<int>(*gpus);
    for (auto [key, value] : {std::pair<const char*, int>{"tp", p.tp}, {"pp", p.pp}, {"sp", p.sp}})
      if (n % value != 0)
        throw t.error(t.has(key) ? key : "gpus",
                      fmt::format("{} = {} does not divide the GPU count {}", key, value, n), divisors_of(n));
    if (dp && n % *dp != 0)
      throw t.error("dp", fmt::format("dp = {} does not divide the GPU count {}", *dp, n), divisors_of(n));
    const std::int64_t fixed = std::int64_t(p.tp) * p.sp * p.pp;  // 64 bits: each degree may be up to 2^31 - 1
    if (n % fixed != 0)
      throw t.error("gpus", fmt::format("tp x sp x pp = {} does not divide the GPU count {}", fixed, n),
                    fmt::format("a multiple of {}", fixed));
    p.dp = dp ? static_cast<int>(*dp) : static_cast<int>(n / fixed);
    if (fixed * p.dp != n)
      throw t.error("dp", fmt::format("tp x sp x pp x dp = {} x {} x {} x {} = {} is not the GPU count {}", p.tp, p.sp,
                                      p.pp, p.dp, fixed * p.dp, n),
                    fmt::format("dp = {}", n / fixed));
  } else if (dp) {
    p.dp = static_cast<int>(*dp);
  }
  if (std::int64_t(p.tp) * p.sp * p.pp > std::numeric_limits<int>::max() / p.dp) {
    const char* key = t.has("dp") ? "dp" : t.has("pp") ? "pp" : t.has("sp") ? "sp" : "tp";
    throw t.error(key, fmt::format("tp x sp x pp x dp = {} x {} x {} x {} is more ranks than the simulator counts", p.tp,
                                   p.sp, p.pp, p.dp),
                  fmt::format("a product of at most {}", std::numeric_limits<int>::max()));
  }
  if ((std::int64_t(p.dp) * p.sp) % p.ep != 0)
    throw t.error("ep", fmt::format("ep = {} does not divide the dp x sp = {} x {} ranks it is laid over", p.ep, p.dp, p.sp),
                  divisors_of(p.dp * p.sp));
  return p;
}

PlatformSpec read_platform(TomlTable& t, const std::string& scenario_file) {
  PlatformSpec spec;
  spec.origin = t.location();
  auto file = t.string("file", "a SimGrid platform XML file, relative to the scenario");
  auto gen = t.table("generator");
  if (file && gen) throw t.error("generator", "give either `file` or [platform.generator], not both");
  if (!file && !gen) throw t.error("file", "missing: the platform needs `file` or [platform.generator]",
                                   "file = \"platform.xml\" or a [platform.generator] table");
  if (file) {
    spec.xml_file = resolve(scenario_file, *file);
    spec.origin = t.location("file");
    std::error_code ec;
    if (!fs::is_regular_file(spec.xml_file, ec))
      throw t.error("file", fmt::format("platform file '{}' not found", spec.xml_file),
                    "a path to a SimGrid XML file, relative to the scenario file");
    spec.description = spec.xml_file;
  } else {
    GeneratedPlatform g = generate_from_toml(*gen);
    gen->reject_unknown_keys();
    spec.generated_xml = std::move(g.xml);
    spec.generated_zone = std::move(g.zone);
    spec.description = std::move(g.description);
  }
  if (auto hosts = t.string_array("hosts", "host names, one per rank")) spec.rank_hosts = *hosts;
  t.reject_unknown_keys();
  return spec;
}

NetworkSettings read_network(TomlTable& t) {
  NetworkSettings n;
  if (auto m = t.string("model", kNetworkModelChoices)) {
    auto parsed = parse_network_model(*m);
    if (!parsed) throw t.error("model", fmt::format("unknown network model '{}'", *m), kNetworkModelChoices);
    n.model = *parsed;
  }
  if (auto c = t.boolean("crosstraffic")) n.crosstraffic = *c;
  if (t.has("window_cap")) {
    const toml::node* raw = t.raw("window_cap");
    if (raw->value_exact<std::string>() && *raw->value_exact<std::string>() == "none") {
      t.mark_known("window_cap");
    } else {
      n.window_cap_bytes = t.bytes("window_cap");
      if (*n.window_cap_bytes <= 0) throw t.error("window_cap", "must be positive", "\"none\" or a size such as \"4MiB\"");
    }
  }
  if (auto e = t.number("payload_efficiency", "a number in (0, 1]")) {
    if (*e <= 0 || *e > 1) throw t.error("payload_efficiency", fmt::format("{} is outside (0, 1]", *e), "a number in (0, 1], e.g. 0.731");
    n.payload_efficiency = *e;
  }
  t.reject_unknown_keys();
  return n;
}

ComputeSpec read_compute(TomlTable& t) {
  ComputeSpec c;
  std::string presets;
  for (const auto& n : hardware_preset_names()) presets += (presets.empty() ? "" : ", ") + n;
  presets += ", or a path to a preset TOML file";
  if (auto p = t.string("preset", presets)) {
    try {
      (void)load_hardware_preset(resolve_preset(t.file(), *p));
    } catch (const InputError& e) {
      if (e.where().file.empty()) throw t.error("preset", e.problem(), e.valid());
      throw;
    }
    c.preset = resolve_preset(t.file(), *p);
    c.preset_given = true;
  }
  if (auto o = t.boolean("override_platform_presets")) {
    if (*o && !c.preset_given)
      throw t.error("override_platform_presets", "overrides the platform's presets with [compute] preset, which is not set",
                    "a [compute] preset to run on every host");
    c.override_platform_presets = *o;
  }
  std::string models;
  for (const auto& n : compute_model_names()) models += (models.empty() ? "" : ", ") + n;
  c.model = default_compute_model();
  if (auto m = t.string("model", models)) {
    auto names = compute_model_names();
    if (std::find(names.begin(), names.end(), *m) == names.end())
      throw t.error("model", fmt::format("unknown compute model '{}'", *m), models);
    c.model = *m;
    if (*m == "gpu" && !c.preset.empty() && !load_hardware_preset(c.preset).gpu)
      throw t.error("model", fmt::format("preset '{}' has no [gpu] calibration table", c.preset),
                    "\"auto\" or \"systolic\" for this preset, or a preset with a [gpu] table");
  }
  if (auto l = t.string("lowering", kLoweringModeChoices)) {
    LoweringMode mode;
    if (!parse_lowering_mode(*l, mode))
      throw t.error("lowering", fmt::format("unknown lowering '{}'", *l), kLoweringModeChoices);
    c.lowering = *l;
  }
  t.reject_unknown_keys();
  return c;
}

CollectiveSpec read_collectives(TomlTable& t) {
  CollectiveSpec c;
  auto algo = [&](const char* key, CollectiveAlgorithm& out) {
    if (auto s = t.string(key, kCollectiveAlgorithmChoices))
      if (!parse_collective_algorithm(*s, out))
        throw t.error(key, fmt::format("unknown algorithm '{}'", *s), kCollectiveAlgorithmChoices);
  };
  algo("tp_algorithm", c.tp_algorithm);
  algo("dp_algorithm", c.dp_algorithm);
  algo("ep_algorithm", c.ep_algorithm);
  algo("sp_algorithm", c.sp_algorithm);
  if (auto o = t.boolean("overlap_grad_reduce")) c.overlap_grad_reduce = *o;
  if (auto g = t.string("granularity", "step, aggregated")) {
    if (*g == "aggregated") c.granularity = Granularity::aggregated;
    else if (*g != "step") throw t.error("granularity", fmt::format("unknown granularity '{}'", *g), "step, aggregated");
  }
  if (auto r = t.boolean("local_reduction")) c.local_reduction = *r;
  t.reject_unknown_keys();
  return c;
}

OutputSpec read_output(TomlTable& t, const std::string& scenario_file) {
  OutputSpec o;
  // Checked before the run, so that a bad path never leaves some outputs written and others not.
  auto path = [&](const char* key) {
    std::string p = resolve(scenario_file, t.string(key, "a file path, relative to the scenario").value_or(""));
    fs::path dir = fs::path(p).parent_path();
    std::error_code ec;
    if (!p.empty() && !dir.empty() && !fs::is_directory(dir, ec))
      throw t.error(key, fmt::format("directory '{}' does not exist", dir.string()),
                    "a path in an existing directory");
    return p;
  };
  o.json = path("json");
  o.csv = path("csv");
  o.trace = path("trace");
  if (auto b = t.boolean("link_stats")) o.link_stats = *b;
  t.reject_unknown_keys();
  return o;
}

E2EConfig read_e2e(TomlTable& w, const ModelSpec& model) {
  E2EConfig c;
  c.model = model;
  std::string pair = w.require_string("pair", "tp+pp, tp+sp (GPT) or tp+ep, sp+ep (MoE)");
  if (!parse_fusion_pair(pair, c.pair)) throw w.error("pair", fmt::format("unknown pair '{}'", pair), kFusionPairChoices);
  std::string variant = w.string("variant", "baseline, fused").value_or("baseline");
  if (variant == "fused") c.variant = FusionVariant::fused;
  else if (variant != "baseline") throw w.error("variant", fmt::format("unknown variant '{}'", variant), "baseline, fused");
  if (auto p = w.string("pass", kE2EPassChoices); p && !parse_e2e_pass(*p, c.pass))
    throw w.error("pass", fmt::format("unknown pass '{}'", *p), kE2EPassChoices);
  c.interconnect = w.require_string("interconnect", kE2EInterconnectChoices);
  c.scaling = w.boolean("scaling").value_or(false);
  if (auto sp = w.string("sp_semantics", "research, megatron")) {
    if (*sp == "megatron") c.sp = SpSemantics::megatron;
    else if (*sp != "research") throw w.error("sp_semantics", fmt::format("unknown semantics '{}'", *sp), "research, megatron");
  }
  c.chunk_full_compute = w.boolean("chunk_full_compute").value_or(true);
  w.reject_unknown_keys();
  if (std::string problem = e2e_problem(c); !problem.empty()) throw w.error("pair", problem);
  return c;
}

// `global_batch` (sequences per iteration) instead of, or agreeing with, micro_batches:
// global_batch = dp x micro_batches x micro_batch.
void read_global_batch(TomlTable& parallel, Scenario& s) {
  const int per_step = s.parallel.dp * s.model.micro_batch;
  if (auto g = parallel.positive_integer("global_batch")) {
    if (*g % per_step != 0)
      throw parallel.error("global_batch", fmt::format("{} sequences do not split into dp x micro_batch = {} x {} = {} per micro-batch step",
                                                       *g, s.parallel.dp, s.model.micro_batch, per_step),
                           fmt::format("a multiple of {}", per_step));
    const int n = static_cast<int>(*g / per_step);
    if (parallel.has("micro_batches") && n != s.parallel.micro_batches)
      throw parallel.error("global_batch", fmt::format("{} sequences mean {} micro-batches, but micro_batches = {}", *g, n,
                                                       s.parallel.micro_batches),
                           fmt::format("global_batch = {}, or drop micro_batches", s.parallel.micro_batches * per_step));
    s.parallel.micro_batches = n;
  }
  s.global_batch = s.parallel.micro_batches * per_step;
}

// Expert and context parallelism against the model.
void check_experts_and_context(TomlTable& parallel, const Scenario& s) {
  const ParallelPlan& p = s.parallel;
  const ModelSpec& m = s.model;
  if (p.ep > 1 && !m.moe())
    throw parallel.error("ep", fmt::format("expert parallelism needs experts, and model {} is dense (experts = 0)", m.name),
                         "ep = 1, or an MoE model (experts > 0)");
  if (p.ep > 1 && m.experts % p.ep != 0)
    throw parallel.error("ep", fmt::format("ep = {} does not divide the {} experts", p.ep, m.experts), divisors_of(m.experts));
  if (m.sequence % p.sp != 0)
    throw parallel.error("sp", fmt::format("sp = {} does not divide the sequence of {} tokens", p.sp, m.sequence),
                         "a divisor of the sequence length");
  if (p.sp > 1 && s.sp_kind == ContextParallelKind::ulysses &&
      (m.heads % (p.tp * p.sp) != 0 || m.kv_head_count() % (p.tp * p.sp) != 0))
    throw parallel.error("sp_kind", fmt::format("Ulysses gives each of the tp x sp = {} ranks whole heads, and {} heads / {} key-value heads do not divide by {}",
                                                p.tp * p.sp, m.heads, m.kv_head_count(), p.tp * p.sp),
                         "sp_kind = \"ring\", or tp x sp dividing heads and kv_heads");
}

// [memory] zero_stage, recompute, flash_attention.
void read_memory(TomlTable& t, Scenario& s) {
  if (auto z = t.integer("zero_stage", "0, 1, 2 or 3")) {
    if (*z < 0 || *z > 3) throw t.error("zero_stage", fmt::format("unknown ZeRO stage {}", *z), "0, 1, 2 or 3");
    s.memory.zero_stage = static_cast<int>(*z);
  }
  if (auto r = t.string("recompute", kRecomputeChoices))
    if (!parse_recompute_kind(*r, s.memory.recompute))
      throw t.error("recompute", fmt::format("unknown recomputation '{}'", *r), kRecomputeChoices);
  if (auto f = t.boolean("flash_attention")) s.memory.flash_attention = *f;
  t.reject_unknown_keys();
}

// [fusion] pairs: each pair's two dimensions must be in the plan.
void read_fusion(TomlTable& t, const TomlTable& parallel, Scenario& s) {
  // One pair may be written as a string (pairs = "tp+pp"), which is what a sweep axis can set.
  const toml::node* raw_pairs = t.raw("pairs");
  std::optional<std::vector<std::string>> pairs;
  if (raw_pairs && raw_pairs->is_string()) {
    t.mark_known("pairs");
    pairs = std::vector<std::string>{*raw_pairs->value<std::string>()};
  } else {
    pairs = t.string_array("pairs", kFusionPairChoices);
  }
  auto variant = t.string("variant", "\"fused\" or \"baseline\"");
  t.reject_unknown_keys();
  if (variant && *variant != "fused" && *variant != "baseline")
    throw t.error("variant", fmt::format("unknown variant '{}'", *variant), "\"fused\" or \"baseline\"");
  if (variant && !pairs) throw t.error("variant", "a variant of no fusion pairs", "set pairs = [...] too, or drop it");
  if (!pairs) return;
  s.fusion_baseline = variant && *variant == "baseline";
  const ParallelPlan& p = s.parallel;
  const bool moe = s.model.moe() && p.ep > 1;
  bool sp = p.sequence_parallel;
  for (const std::string& name : *pairs) {
    FusionPair pair;
    if (!parse_fusion_pair(name, pair)) throw t.error("pairs", fmt::format("unknown pair '{}'", name), kFusionPairChoices);
    if (pair == FusionPair::tp_sp) sp = true;
    s.fusion.add(pair);
  }
  if (s.fusion.has(FusionPair::tp_sp) && parallel.has("sequence_parallel") && !p.sequence_parallel)
    throw t.error("pairs", "\"tp+sp\" is Megatron sequence parallelism, and [parallel] sequence_parallel = false",
                  "drop one of the two");
  auto need = [&](FusionPair pair, bool ok, const std::string& why, const std::string& valid) {
    if (s.fusion.has(pair) && !ok)
      throw t.error("pairs", fmt::format("\"{}\" does not apply to this plan: {}", to_string(pair), why), valid);
  };
  need(FusionPair::tp_sp, p.tp > 1, "it needs tensor parallelism (tp > 1)", "tp > 1, or drop it");
  need(FusionPair::tp_pp, p.tp > 1 && p.pp > 1, "it needs tp > 1 and pp > 1", "tp > 1 and pp > 1, or drop it");
  need(FusionPair::tp_pp, !sp, "with sequence parallelism the stage boundary already moves shards", "\"pp+sp\" instead");
  need(FusionPair::tp_ep, p.tp > 1 && moe, "it needs tp > 1 and expert parallelism (ep > 1 on an MoE model)",
       "tp > 1 and ep > 1, or drop it");
  need(FusionPair::tp_ep, !sp, "sequence parallelism already reduce-scatters before the experts", "drop it");
  need(FusionPair::pp_ep, p.pp > 1 && moe, "it needs pp > 1 and expert parallelism (ep > 1 on an MoE model)",
       "pp > 1 and ep > 1, or drop it");
  const bool one_pipe = !s.pipeline || (s.pipeline->schedule.kind != ScheduleKind::chimera &&
                                        s.pipeline->schedule.kind != ScheduleKind::gems);
  need(FusionPair::pp_ep, one_pipe, "Chimera's and GEMS's two directions give a stage two next stages",
       "a one-direction schedule (gpipe, 1f1b, interleaved, zb-h1, pipedream)");
  need(FusionPair::pp_ep, s.model.moe_layer_frequency == 1,
       "it fuses the combine of a stage's last MoE layer with the boundary, and with moe_layer_frequency > 1 stages end in dense layers",
       "an MoE model with an MoE block in every layer");
  need(FusionPair::pp_sp, p.pp > 1 && p.tp > 1 && sp,
       "it fuses the stage boundary with the next stage's sequence all-gather, which needs pp > 1 and Megatron sequence parallelism",
       "pp > 1 with sequence_parallel = true (or \"tp+sp\"), or drop it");
  need(FusionPair::sp_ep, p.sp > 1 && moe, "it needs context parallelism (sp > 1) and expert parallelism (ep > 1 on an MoE model)",
       "sp > 1 and ep > 1, or drop it");
}

Scenario read_scenario(TomlTable& root, const std::string& file) {
  Scenario s;
  s.file = file;
  if (root.has("axes") && root.has("kind"))  // a common slip: `run` given a sweep file
    throw root.error("axes", "this is a sweep file (kind and [axes]), not a scenario",
                     fmt::format("chimera-sim sweep {}, or a scenario file for run", file));
  auto schema = root.integer("schema", "1");
  if (!schema) throw root.error("schema", "missing required key", "schema = 1");
  if (*schema != kScenarioSchema)
    throw root.error("schema", fmt::format("unsupported schema version {}", *schema), "1");
  s.title = root.string("title", "a short description").value_or("");
  std::optional<TomlTable> workload = root.table("workload");
  if (workload) {
    if (auto k = workload->string("kind", "megatron, isca25-e2e")) {
      if (*k != "megatron" && *k != "isca25-e2e")
        throw workload->error("kind", fmt::format("unknown workload '{}'", *k), "megatron, isca25-e2e");
      s.workload.kind = *k;
    }
  }
  TomlTable model = root.require_table("model", "a [model] table with a zoo `name` or explicit shape keys");
  s.model = read_model_spec(model);
  if (auto t = root.table("engine")) {
    if (auto b = t->boolean("compute_barrier")) s.engine.compute_barrier = *b;
    t->reject_unknown_keys();
  }
  // The machine and outputs, read the same way for every workload.
  auto read_machine = [&] {
    TomlTable platform = root.require_table("platform", "a [platform] table with `file` or [platform.generator]");
    s.platform = read_platform(platform, file);
    if (auto t = root.table("network")) s.network = read_network(*t);
    if (auto t = root.table("compute")) s.compute = read_compute(*t);
    if (s.compute.model.empty()) s.compute.model = default_compute_model();
    if (auto t = root.table("collectives")) s.collectives = read_collectives(*t);
    if (auto t = root.table("output")) s.output = read_output(*t, file);
  };
  if (s.workload.kind == "isca25-e2e") {
    s.workload.e2e = read_e2e(*workload, s.model);
    if (root.has("parallel"))
      throw root.error("parallel", "the isca25-e2e workload places its own stages on the interconnect",
                       "no [parallel] table with kind = \"isca25-e2e\"");
    if (root.has("schedule")) throw root.error("schedule", "the isca25-e2e workload runs one micro-batch, unpipelined");
    read_machine();
    root.reject_unknown_keys();
    return s;
  }
  if (workload) workload->reject_unknown_keys();
  TomlTable parallel = root.require_table("parallel", "a [parallel] table with tp, pp, dp, ...");
  s.parallel = read_parallel(parallel);
  if (auto k = parallel.string("sp_kind", kContextParallelKindChoices))
    if (!parse_context_parallel_kind(*k, s.sp_kind))
      throw parallel.error("sp_kind", fmt::format("unknown context parallelism '{}'", *k), kContextParallelKindChoices);
  read_global_batch(parallel, s);
  parallel.reject_unknown_keys();
  read_machine();

  // The workload is a Megatron-style layer stack; with a [schedule], pipelined.
  if (auto t = root.table("schedule")) s.pipeline = read_schedule_table(*t, parallel, s.parallel, s.model);
  if (s.parallel.pp > 1 && !s.pipeline)
    throw parallel.error("pp", "pipeline parallelism needs a pipeline schedule, which this scenario does not set",
                         fmt::format("pp = 1, or a [schedule] table with kind = {}", kScheduleKindChoices));
  if (s.pipeline && s.compute.lowering != "standard")
    throw root.table("compute")->error("lowering", "the isca25 lowering is implemented for the Megatron workload, not for [schedule] pipelines", "\"standard\"");
  if (s.parallel.sequence_parallel && s.parallel.tp == 1)
    throw parallel.error("sequence_parallel", "shards the sequence over the tensor-parallel group, and tp = 1",
                         "tp > 1, or sequence_parallel = false");
  if (s.parallel.sequence_parallel && s.compute.lowering != "standard")
    throw parallel.error("sequence_parallel", "the isca25 lowering charges the research's fixed GEMM lists",
                         "[compute] lowering = \"standard\", or sequence_parallel = false");
  check_experts_and_context(parallel, s);
  if (auto t = root.table("memory")) read_memory(*t, s);
  if (s.pipeline && s.pipeline->memory.recompute) {
    if (root.table("memory") && root.table("memory")->has("recompute") && s.memory.recompute != RecomputeKind::full)
      throw root.table("schedule")->error("recompute", "[schedule] recompute = true is [memory] recompute = \"full\", and [memory] says otherwise",
                                          "one of the two");
    s.memory.recompute = RecomputeKind::full;
  }
  if (auto t = root.table("fusion")) read_fusion(*t, parallel, s);
  if (s.compute.lowering != "standard" &&
      (s.model.moe() || s.parallel.sp > 1 || !s.fusion.empty() || s.memory.zero_stage > 0 ||
       s.memory.recompute != RecomputeKind::none || s.memory.flash_attention))
    throw root.table("compute")->error("lowering", "the isca25 lowering charges the research's fixed GEMM lists of a dense layer stack, without experts, context parallelism, fusion pairs or memory techniques",
                                       "\"standard\"");
  if (s.model.heads % s.parallel.tp != 0)
    throw parallel.error("tp", fmt::format("tp = {} does not divide the {} attention heads", s.parallel.tp, s.model.heads),
                         divisors_of(s.model.heads));
  if (s.model.kv_head_count() % s.parallel.tp != 0)
    throw parallel.error("tp", fmt::format("tp = {} does not divide the {} key/value heads", s.parallel.tp, s.model.kv_head_count()),
                         divisors_of(s.model.kv_head_count()));
  if (s.model.ffn_hidden % s.parallel.tp != 0)
    throw parallel.error("tp", fmt::format("tp = {} does not divide the MLP size {}", s.parallel.tp, s.model.ffn_hidden),
                         "a divisor of ffn_hidden");
  if (s.model.moe() && s.model.expert_ffn() % s.parallel.tp != 0)
    throw parallel.error("tp", fmt::format("tp = {} does not divide the expert MLP size {}", s.parallel.tp, s.model.expert_ffn()),
                         "a divisor of expert_ffn_hidden");
  root.reject_unknown_keys();
  return s;
}

}  // namespace

int Scenario::ranks() const {
  return workload.e2e ? e2e_hosts(workload.e2e->interconnect, workload.e2e->scaling) : parallel.world_size();
}

Scenario parse_scenario(const std::string& toml_text, const std::string& file_name) {
  TomlTable root = TomlTable::parse_string(toml_text, file_name);
  return read_scenario(root, file_name);
}

Scenario load_scenario(const std::string& path) {
  std::string text = read_text_file(path, "scenario");
  return parse_scenario(text, path);
}

std::string default_scenario_path() {
  std::error_code ec;
  if (fs::is_regular_file("scenarios/default.toml", ec)) return "scenarios/default.toml";
  return std::string(CHIMERA_SOURCE_DIR) + "/scenarios/default.toml";
}

}  // namespace chimera
