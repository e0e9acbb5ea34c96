#include "study/tune_common.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <sstream>

#include "study/isolated_run.hpp"
#include "study/progress.hpp"
#include "study/link_probe.hpp"
#include "study/pipeline_report.hpp"
#include "study/report.hpp"
#include "study/scenario_run.hpp"
#include "common/input_error.hpp"
#include "common/units.hpp"
#include "compute/hardware_preset.hpp"
#include "workloads/parallel_plan.hpp"
#include "version.hpp"
#include "workloads/step/training_step.hpp"

namespace chimera {

TuneSetup tune_setup(const Scenario& s, int gpus, int tp, int mini_batch, const std::string& memory,
                     const std::string& kinds, int top, bool try_recompute) {
  TuneSetup setup;
  TuneRequest& r = setup.request;
  if (gpus < 1) throw option_error("--gpus", fmt::format("{} GPUs", gpus), "an integer >= 1");
  r.gpus = gpus;
  r.tp = tp > 0 ? tp : s.parallel.tp;
  if (gpus % r.tp != 0 || s.model.heads % r.tp != 0 || s.model.ffn_hidden % r.tp != 0)
    throw option_error("--tp", fmt::format("tp = {} must divide the {} GPUs, the {} heads and the MLP size {}", r.tp, gpus,
                                           s.model.heads, s.model.ffn_hidden),
                       "a common divisor");
  r.mini_batch = mini_batch > 0 ? mini_batch : s.parallel.dp * s.parallel.micro_batches * s.model.micro_batch;
  if (mini_batch < 0) throw option_error("--global-batch", fmt::format("{} sequences", mini_batch), "an integer >= 1");
  const HardwarePreset preset = load_hardware_preset(s.compute.preset);
  if (!memory.empty()) {
    try {
      r.memory_bytes = parse_bytes(memory);
    } catch (const std::invalid_argument& e) {
      throw option_error("--memory", e.what(), "a size such as 80GiB");
    }
    if (!(r.memory_bytes > 0)) throw option_error("--memory", "must be positive", "a size such as 80GiB");
    setup.memory_source = "--memory";
  } else {
    r.memory_bytes = preset.memory_bytes;
    if (!(r.memory_bytes > 0))
      throw option_error("--memory", fmt::format("preset '{}' has no memory capacity", preset.name), "a size such as 80GiB");
    setup.memory_source = fmt::format("capacity of {}", preset.name);
  }
  if (!kinds.empty()) {
    r.kinds.clear();
    std::stringstream ss(kinds);
    for (std::string k; std::getline(ss, k, ',');) {
      auto kind = parse_schedule_kind(k);
      if (!kind) throw option_error("--kinds", fmt::format("unknown schedule '{}'", k), kScheduleKindChoices);
      r.kinds.push_back(*kind);
    }
  }
  if (top < 0) throw option_error("--top", fmt::format("{}", top), "an integer >= 0");
  setup.top = top;
  r.try_recompute = try_recompute;
  setup.cost = make_cost_model(s.compute.model, preset);
  r.inputs.model = s.model;
  r.inputs.cost = setup.cost.get();
  if (s.pipeline) r.inputs.optimizer = s.pipeline->memory.optimizer;
  try {
    setup.routes = probe_routes_from_rank0(s, gpus);
  } catch (const InputError& e) {  // a platform too small for --gpus
    throw option_error("--gpus", e.problem(), e.valid());
  }
  return setup;
}

Scenario scenario_for(const Scenario& base, const PipelineCandidate& c, OptimizerKind optimizer) {
  Scenario s = base;
  s.parallel = ParallelPlan{};
  s.parallel.tp = c.tp, s.parallel.pp = c.schedule.stages, s.parallel.dp = c.dp;
  s.parallel.micro_batches = c.schedule.micro_batches;
  s.model.micro_batch = c.micro_batch;
  PipelineSpec p;
  p.schedule = c.schedule;
  p.memory.recompute = c.recompute;
  p.memory.optimizer = optimizer;
  s.pipeline = p;
  s.output = OutputSpec{};
  s.title = describe(c);
  return s;
}

namespace {

// Where a candidate's ranks sit decides its links: pipeline neighbours (worker 0 and 1 of
// replica 0), the replicas of stage 0 (the largest all-reduce), the tensor-parallel group.
ModelInputs inputs_for(const TuneSetup& setup, const PipelineCandidate& c) {
  ModelInputs in = setup.request.inputs;
  ParallelPlan plan;
  plan.tp = c.tp, plan.pp = c.schedule.stages, plan.dp = c.dp;
  if (plan.pp > 1) in.p2p = setup.routes.at(rank_of(plan, {0, 0, 1}));
  const PipelineSchedule sched = make_schedule(c.schedule);
  in.allreduce = worst_route(setup.routes, stage_replica_group(StepLayout::uniform(plan, 1), sched, 0, 0));
  std::vector<int> tp_group;
  for (int t = 0; t < c.tp; ++t) tp_group.push_back(t);
  in.tensor = worst_route(setup.routes, tp_group);
  return in;
}

nlohmann::json candidate_json(const RankedCandidate& r) {
  const PipelineCandidate& c = r.candidate;
  const PipelineEstimate& e = r.estimate;
  return {{"description", describe(c)},
          {"kind", to_string(c.schedule.kind)},
          {"stages", c.schedule.stages},
          {"dp", c.dp},
          {"tp", c.tp},
          {"micro_batch", c.micro_batch},
          {"micro_batches", c.schedule.micro_batches},
          {"chunks", c.schedule.chunks},
          {"pipes_per_direction", c.schedule.pipes_per_direction},
          {"extend", to_string(c.schedule.extend)},
          {"recompute", c.recompute},
          {"model_iteration_s", e.iteration_s},
          {"model_samples_per_s", e.samples_per_s()},
          {"model", {{"critical_path_s", e.critical_path_s},
                     {"exposed_allreduce_s", e.exposed_allreduce_s},
                     {"optimizer_s", e.optimizer_s},
                     {"forward_s", e.forward_s},
                     {"backward_s", e.backward_s},
                     {"weight_s", e.weight_s},
                     {"p2p_s", e.p2p_s},
                     {"critical_forwards", e.critical_forwards},
                     {"critical_backwards", e.critical_backwards},
                     {"critical_weights", e.critical_weights},
                     {"bubble_ratio", e.bubble_ratio}}},
          {"model_peak_memory_bytes", e.peak_memory_bytes}};
}

}  // namespace

TuneOutcome run_tune(const Scenario& s, TuneSetup& setup) {
  setup.request.inputs_for = [&setup](const PipelineCandidate& c) { return inputs_for(setup, c); };
  TuneOutcome out;
  try {
    out.result = tune_pipeline(setup.request);
  } catch (const std::invalid_argument& e) {
    throw option_error("--global-batch", e.what(), "a mini-batch divisible by some data-parallel width");
  }
  if (out.result.feasible.empty()) {
    const RankedCandidate& least = out.result.least_memory;
    throw option_error(
        "--memory",
        fmt::format("no configuration of {} GPUs fits in {} per GPU ({} considered); the least memory-hungry, {}, needs {}",
                    setup.request.gpus, format_bytes(setup.request.memory_bytes), out.result.considered,
                    describe(least.candidate), format_bytes(least.estimate.peak_memory_bytes)),
        fmt::format("at least {} per GPU, more GPUs, or a smaller model", format_bytes(least.estimate.peak_memory_bytes)));
  }
  const std::size_t k = std::min<std::size_t>(setup.top, out.result.feasible.size());
  Progress progress("tune: simulated configurations", static_cast<double>(k));
  set_run_timeout(setup.timeout_s);  // the candidates' simulations, not the link probe above
  for (std::size_t i = 0; i < k; ++i) {
    if (i > 0) progress.update(static_cast<double>(i));
    const RankedCandidate& rc = out.result.feasible[i];
    Scenario cs = scenario_for(s, rc.candidate, setup.request.inputs.optimizer);
    SimulatedCandidate sc;
    sc.ranked = rc;
    nlohmann::json sim;
    try {
      sim = run_isolated([&] {
        ScenarioRun run = run_scenario(cs);
        nlohmann::json p = pipeline_report_json(cs, run);
        return nlohmann::json{{"time", run.result.makespan_s},
                              {"peak", p["peak_memory_bytes"]},
                              {"bubble", p["bubble_ratio"]},
                              {"fits", p["fits_memory"]}};
      });
    } catch (const RunTimeout&) {  // recorded as such; the other candidates still run
      sc.timed_out = true;
      sc.model_rank = static_cast<int>(i) + 1;
      out.simulated.push_back(std::move(sc));
      continue;
    }
    sc.simulated_s = sim["time"].get<double>();
    sc.simulated_peak_memory_bytes = sim["peak"].get<double>();
    sc.simulated_bubble = sim["bubble"].get<double>();
    sc.simulated_fits = sc.simulated_peak_memory_bytes <= setup.request.memory_bytes;
    sc.model_rank = static_cast<int>(i) + 1;
    out.simulated.push_back(std::move(sc));
  }
  set_run_timeout(0);
  std::stable_sort(out.simulated.begin(), out.simulated.end(), [](const SimulatedCandidate& a, const SimulatedCandidate& b) {
    if (a.timed_out != b.timed_out) return b.timed_out;  // timed out: last
    if (a.simulated_fits != b.simulated_fits) return a.simulated_fits;
    return a.simulated_s < b.simulated_s;
  });
  return out;
}

nlohmann::json tune_json(const Scenario& s, const TuneSetup& setup, const TuneOutcome& out) {
  const TuneRequest& r = setup.request;
  nlohmann::json ranked = nlohmann::json::array();
  for (std::size_t i = 0; i < out.result.feasible.size() && i < 20; ++i) ranked.push_back(candidate_json(out.result.feasible[i]));
  nlohmann::json simulated = nlohmann::json::array();
  for (const SimulatedCandidate& sc : out.simulated) {
    nlohmann::json j = candidate_json(sc.ranked);
    j["model_rank"] = sc.model_rank;
    j["simulated_rank"] = simulated.size() + 1;
    if (sc.timed_out) {
      j["timed_out"] = true;
      simulated.push_back(std::move(j));
      continue;
    }
    j["simulated_iteration_s"] = sc.simulated_s;
    j["simulated_samples_per_s"] = sc.simulated_s > 0 ? r.mini_batch / sc.simulated_s : 0.0;
    j["simulated_peak_memory_bytes"] = sc.simulated_peak_memory_bytes;
    j["simulated_bubble_ratio"] = sc.simulated_bubble;
    j["simulated_fits_memory"] = sc.simulated_fits;
    j["model_error"] = sc.simulated_s > 0 ? (sc.ranked.estimate.iteration_s - sc.simulated_s) / sc.simulated_s : 0.0;
    simulated.push_back(std::move(j));
  }
  nlohmann::json best = candidate_json(out.result.feasible.front());
  for (const auto& j : simulated)
    if (!j.contains("timed_out")) {
      best = j;
      break;
    }
  return {{"gpus", r.gpus},
          {"tp", r.tp},
          {"mini_batch", r.mini_batch},
          {"memory_bytes", r.memory_bytes},
          {"memory_source", setup.memory_source},
          {"considered", out.result.considered},
          {"over_memory", out.result.over_memory},
          {"feasible", out.result.feasible.size()},
          {"best", best},
          {"ranked", std::move(ranked)},
          {"simulated", std::move(simulated)},
          {"inputs", provenance(s, setup.cost->describe())}};
}

std::string tune_text(const Scenario& s, const TuneSetup& setup, const TuneOutcome& out) {
  const TuneRequest& r = setup.request;
  std::string o = fmt::format("chimera-sim tune: {} on {} GPUs (tp {}), mini-batch {} sequences, {} per GPU ({})\n",
                              s.model.name, r.gpus, r.tp, r.mini_batch, format_bytes(r.memory_bytes), setup.memory_source);
  o += fmt::format("  platform   {}\n  compute    {}\n  version    {}\n", s.platform.description, setup.cost->describe(),
                   version_string());
  o += fmt::format("  {} configurations considered, {} over the memory limit, {} feasible\n\n", out.result.considered,
                   out.result.over_memory, out.result.feasible.size());
  o += fmt::format("{:>4}  {:<44} {:>12} {:>12} {:>10} {:>8}\n", "#", "configuration (by the model)", "model time",
                   "samples/s", "peak mem", "bubble");
  for (std::size_t i = 0; i < out.result.feasible.size() && i < 10; ++i) {
    const auto& rc = out.result.feasible[i];
    o += fmt::format("{:>4}  {:<44} {:>12} {:>12.1f} {:>10} {:>8.3f}\n", i + 1, describe(rc.candidate),
                     format_duration(rc.estimate.iteration_s), rc.estimate.samples_per_s(),
                     format_bytes(rc.estimate.peak_memory_bytes), rc.estimate.bubble_ratio);
  }
  if (!out.simulated.empty()) {
    o += fmt::format("\n{:>4}  {:<44} {:>6} {:>12} {:>12} {:>8} {:>10} {:>10}\n", "#", "simulated (by simulated time)",
                     "model#", "model", "simulated", "error", "model mem", "sim. mem");
    for (std::size_t i = 0; i < out.simulated.size(); ++i) {
      const auto& sc = out.simulated[i];
      if (sc.timed_out) {
        o += fmt::format("{:>4}  {:<44} {:>6} {:>12} timed out (--timeout {:g} s)\n", i + 1, describe(sc.ranked.candidate),
                         sc.model_rank, format_duration(sc.ranked.estimate.iteration_s), run_timeout());
        continue;
      }
      const double err = sc.simulated_s > 0 ? (sc.ranked.estimate.iteration_s - sc.simulated_s) / sc.simulated_s : 0.0;
      o += fmt::format("{:>4}  {:<44} {:>6} {:>12} {:>12} {:>+7.1f}% {:>10} {:>10}{}\n", i + 1, describe(sc.ranked.candidate),
                       sc.model_rank,
                       format_duration(sc.ranked.estimate.iteration_s), format_duration(sc.simulated_s), 100 * err,
                       format_bytes(sc.ranked.estimate.peak_memory_bytes), format_bytes(sc.simulated_peak_memory_bytes),
                       sc.simulated_fits ? "" : "  (exceeds memory)");
    }
    const auto chosen = std::find_if(out.simulated.begin(), out.simulated.end(), [](const auto& c) { return !c.timed_out; });
    if (chosen == out.simulated.end()) {
      o += fmt::format("\nchoice: {} (by the model: every simulation timed out)\n",
                       describe(out.result.feasible.front().candidate));
      return o;
    }
    const auto& best = *chosen;
    o += fmt::format("\nchoice: {} — {} per iteration simulated, {:.1f} samples/s (the model ranked it #{})\n",
                     describe(best.ranked.candidate), format_duration(best.simulated_s), r.mini_batch / best.simulated_s,
                     best.model_rank);
  } else {
    o += fmt::format("\nchoice: {} (not simulated: --top 0)\n", describe(out.result.feasible.front().candidate));
  }
  return o;
}

}  // namespace chimera
