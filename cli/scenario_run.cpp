#include "cli/scenario_run.hpp"

#include <fmt/format.h>

#include <map>

#include "common/input_error.hpp"
#include "workloads/isca25_e2e.hpp"
#include "workloads/megatron_lowering.hpp"

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

// A plan with a [schedule] is lowered by the pipeline lowering; its schedule, partition and
// memory go to `pipeline` when given.
std::vector<Program> lower(const Scenario& s, CostModels& models, const std::vector<std::string>& rank_presets,
                           std::optional<PipelineLowering>* pipeline = nullptr) {
  if (s.workload.e2e) {  // the research's stage placements; one hardware for every device
    for (const auto& p : rank_presets)
      if (p != rank_presets.front())
        throw InputError({s.file}, "platform", "the isca25-e2e workload needs one hardware preset on every host",
                         "a homogeneous platform");
    return lower_isca25_e2e(*s.workload.e2e, models.get(rank_presets.front()), s.compute.lowering == "isca25");
  }
  if (s.pipeline) {
    PipelineLoweringInput pin;
    pin.model = s.model;
    pin.plan = s.parallel;
    pin.pipeline = *s.pipeline;
    pin.tp_algorithm = s.collectives.tp_algorithm;
    pin.dp_algorithm = s.collectives.dp_algorithm;
    pin.cost_model_of = [&](int rank) -> const ComputeCostModel& { return models.get(rank_presets.at(rank)); };
    PipelineLowering pl = lower_pipeline(pin);
    std::vector<Program> programs = std::move(pl.programs);
    pl.programs.clear();
    if (pipeline) *pipeline = std::move(pl);
    return programs;
  }
  LoweringInput in;
  in.model = s.model;
  in.plan = s.parallel;
  in.tp_algorithm = s.collectives.tp_algorithm;
  in.dp_algorithm = s.collectives.dp_algorithm;
  parse_lowering_mode(s.compute.lowering, in.compute_lowering);  // validated by the scenario reader
  in.cost_model_of = [&](int rank) -> const ComputeCostModel& { return models.get(rank_presets.at(rank)); };
  return lower_megatron(in);
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
    run.rank_presets.push_back(p.empty() ? s.compute.preset : p);
  }
  CostModels models(s.compute.model);
  run.programs = lower(s, models, run.rank_presets, &run.pipeline);
  if (s.collectives.local_reduction) {
    std::vector<double> per_byte;
    for (const auto& preset : run.rank_presets) per_byte.push_back(models.get(preset).reduction_seconds(1.0));
    sim.set_reduction_costs(std::move(per_byte));
  }
  run.compute_description = models.describe();
  run.result = sim.run(run.programs);
  run.stats = rank_time_stats(run.programs, run.result);
  return run;
}

}  // namespace chimera
