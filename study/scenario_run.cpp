#include "study/scenario_run.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "common/input_error.hpp"
#include "common/units.hpp"
#include "study/progress.hpp"
#include "workloads/isca25_e2e.hpp"

namespace chimera {
namespace {

// Cost models by preset name: identical hardware shares one model (and its memoised costs).
class CostModels {
 public:
  explicit CostModels(std::string model) : model_(std::move(model)) {}
  const ComputeCostModel& get(const std::string& preset) {
    auto it = models_.find(preset);
    if (it == models_.end()) it = models_.emplace(preset, make_cost_model(model_, load_hardware_preset(preset))).first;
    return *it->second;
  }
  std::string describe() const {
    std::string s;
    for (const auto& [name, m] : models_) s += (s.empty() ? "" : "; ") + m->describe();
    return s;
  }

 private:
  std::string model_;
  std::map<std::string, std::unique_ptr<ComputeCostModel>> models_;
};

// The training step's options from the scenario's tables.
StepOptions step_options(const Scenario& s) {
  StepOptions o;
  o.sequence_parallel = s.parallel.sequence_parallel && s.parallel.tp > 1;
  o.fusion = s.applied_fusion();
  if (o.fusion.has(FusionPair::tp_sp)) o.sequence_parallel = true;
  o.cp_kind = s.sp_kind;
  o.flash_attention = s.memory.flash_attention;
  o.recompute = s.memory.recompute;
  o.zero_stage = s.memory.zero_stage;
  o.overlap_grad_reduce = s.collectives.overlap_grad_reduce.value_or(!s.pipeline);
  if (s.pipeline) o.optimizer = s.pipeline->memory.optimizer;
  parse_lowering_mode(s.compute.lowering, o.compute_lowering);  // validated by the scenario reader
  o.tp_algorithm = s.collectives.tp_algorithm;
  o.dp_algorithm = s.collectives.dp_algorithm;
  o.ep_algorithm = s.collectives.ep_algorithm;
  o.cp_algorithm = s.collectives.sp_algorithm;
  return o;
}

// The Megatron workload: one training step, pipelined by the [schedule] (one stage without).
std::vector<Program> lower(const Scenario& s, CostModels& models, const std::vector<std::string>& rank_presets,
                           std::optional<TrainingStep>* step = nullptr) {
  if (s.workload.e2e) {  // the research's stage placements; one hardware for every device
    for (const auto& p : rank_presets)
      if (p != rank_presets.front())
        throw InputError({s.file}, "platform", "the isca25-e2e workload needs one hardware preset on every host",
                         "a homogeneous platform");
    return lower_isca25_e2e(*s.workload.e2e, models.get(rank_presets.front()), s.compute.lowering == "isca25");
  }
  StepInput in;
  in.model = s.model;
  in.layout = StepLayout::uniform(s.parallel, s.model.micro_batch);
  if (s.pipeline) in.schedule = s.pipeline->schedule;
  in.schedule.micro_batches = s.parallel.micro_batches;
  in.options = step_options(s);
  LayerSharding shard;
  shard.tp = s.parallel.tp, shard.ep = s.parallel.ep, shard.cp = s.parallel.sp;
  shard.cp_kind = s.sp_kind;
  shard.mode = in.options.compute_lowering;
  shard.sequence_parallel = in.options.sequence_parallel;
  shard.flash_attention = s.memory.flash_attention;
  KernelCosts costs(
      s.model, shard, [&](int rank) -> const ComputeCostModel& { return models.get(rank_presets.at(rank)); },
      [&](int rank) { return in.layout.samples_of(rank); });
  in.costs = &costs;
  TrainingStep t;
  try {
    t = lower_training_step(in);
  } catch (const std::invalid_argument& e) {
    throw InputError({s.file}, "parallel", e.what(), "a plan the model and schedule can run");
  }
  std::vector<Program> programs = std::move(t.programs);
  t.programs.clear();
  if (step) *step = std::move(t);
  return programs;
}

}  // namespace

std::vector<Program> lower_scenario(const Scenario& s) {
  CostModels models(s.compute.model);
  std::vector<std::string> presets(s.ranks(), s.compute.preset);
  return lower(s, models, presets);
}

ScenarioRun run_scenario(const Scenario& s) {
  SimulationOptions opt;
  opt.platform = s.platform;
  opt.network = s.network;
  opt.link_stats = s.output.link_stats;
  opt.collectives.granularity = s.collectives.granularity;
  opt.collectives.compute_barrier = s.engine.compute_barrier;
  const int world = s.ranks();
  Simulation sim(opt, world);

  ScenarioRun run;
  for (int r = 0; r < world; ++r) {
    std::string p = sim.rank_host_property(r, "preset");
    if (!p.empty() && s.compute.preset_given && p != s.compute.preset && !s.compute.override_platform_presets)
      throw InputError({s.file}, "compute.preset",
                       fmt::format("[compute] preset = \"{}\" but the platform gives host {} (rank {}) preset \"{}\"",
                                   s.compute.preset, sim.rank_host_name(r), r, p),
                       "remove [compute] preset to run the platform's presets, or set [compute] "
                       "override_platform_presets = true to run the scenario's on every host");
    run.rank_presets.push_back(p.empty() || s.compute.override_platform_presets ? s.compute.preset : p);
  }
  CostModels models(s.compute.model);
  run.programs = lower(s, models, run.rank_presets, &run.pipeline);
  if (s.collectives.local_reduction) {
    std::vector<double> per_byte;
    for (const auto& preset : run.rank_presets) per_byte.push_back(models.get(preset).reduction_seconds(1.0));
    sim.set_reduction_costs(std::move(per_byte));
  }
  run.compute_description = models.describe();
  std::optional<Progress> progress;
  if (progress_settings().enabled) {
    double ops = 0;
    for (const Program& p : run.programs) ops += static_cast<double>(p.ops().size());
    progress.emplace("run: ops", ops);
    // About a thousand reports per run at most (each reads the wall clock), every op in small runs.
    const auto every = static_cast<std::uint64_t>(std::clamp(ops / 1000, 1.0, 4096.0));
    sim.set_progress([&progress](double now_s, std::uint64_t done) {
      progress->update(static_cast<double>(done), "simulated " + format_duration(now_s));
    }, every);
  }
  run.result = sim.run(run.programs);
  run.stats = rank_time_stats(run.programs, run.result);
  run.collectives = summarize_collectives(run.programs, run.result,
                                          [&](const Program& p, const Op& op) { return sim.resolved_algorithm(p, op); });
  return run;
}

}  // namespace chimera
