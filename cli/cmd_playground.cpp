// chimera-sim playground: a guided terminal session. It asks for a model and a cluster, then a
// pipeline schedule, and shows the schedule's timeline, the layer partition with memory per
// stage and GPU, the analytical performance estimate, the simulated iteration, and the
// autotuner's choice for the same GPUs and mini-batch. Answers come from stdin one per line
// (an empty line takes the default shown in brackets), so a session can be scripted.
#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <string>

#include "cli/commands.hpp"
#include "study/isolated_run.hpp"
#include "study/pipeline_report.hpp"
#include "cli/playground_prompt.hpp"
#include "study/scenario_run.hpp"
#include "cli/schedule_view.hpp"
#include "study/tune_common.hpp"
#include "common/input_error.hpp"
#include "common/units.hpp"
#include "compute/hardware_preset.hpp"
#include "platforms/star_generator.hpp"
#include "version.hpp"
#include "workloads/step/training_step.hpp"
#include "workloads/schedules/memory_model.hpp"
#include "workloads/schedules/partition.hpp"

namespace chimera {
namespace {

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

bool in(const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) != v.end(); }

std::vector<int> divisors(int n) {
  std::vector<int> d;
  for (int i = 1; i <= n; ++i)
    if (n % i == 0) d.push_back(i);
  return d;
}

struct Session {
  Prompter& ask;
  std::ostream& out;

  Scenario scenario;
  StarParams star;
  PipelineCandidate plan;
  std::unique_ptr<ComputeCostModel> cost;

  void choose_model_and_cluster() {
    out << "\n== 1. Model and cluster ==\n";
    const auto models = zoo_model_names();
    std::string name = ask.text("Model from the zoo", "gpt2-64", [&](const std::string& a) -> std::string {
      return in(models, a) ? "" : fmt::format("unknown model; the zoo has {}", join(models));
    });
    scenario.model = load_zoo_model(name);
    out << fmt::format("  {}: {} layers, hidden {}, {} heads, sequence {}, {:.2f} B parameters\n", name,
                       scenario.model.layers, scenario.model.hidden, scenario.model.heads, scenario.model.sequence,
                       (scenario.model.layers * scenario.model.parameters_per_layer() + embedding_parameters(scenario.model)) /
                           1e9);
    plan.micro_batch = ask.integer("Sequences per micro-batch", 1, 1, 1024);
    scenario.model.micro_batch = plan.micro_batch;
    star.gpus = ask.integer("GPUs", 8, 1, 4096);
    const auto presets = hardware_preset_names();
    scenario.compute.preset = ask.text("GPU (hardware preset)", "v100", [&](const std::string& a) -> std::string {
      return in(presets, a) ? "" : fmt::format("unknown preset; choose one of {}", join(presets));
    });
    scenario.compute.model = default_compute_model();
    star.port_bandwidth_Bps = ask.quantity("Bandwidth per GPU port", "25GBps", parse_bandwidth);
    star.port_latency_s = ask.quantity("Latency per port", "1us", parse_duration);
    scenario.platform.generated_xml = star_platform_xml(star);
    scenario.platform.description =
        fmt::format("generator star (gpus={}, port_bandwidth={}, port_latency={})", star.gpus,
                    format_bandwidth(star.port_bandwidth_Bps), format_duration(star.port_latency_s));
    scenario.file = "(playground)";
    scenario.title = "playground";
  }

  void choose_schedule() {
    out << "\n== 2. Pipeline ==\n";
    ScheduleOptions& o = plan.schedule;
    const std::string kind = ask.text("Schedule (gpipe, 1f1b, interleaved, chimera, zb-h1)", "chimera",
                                      [](const std::string& a) -> std::string {
                                        return parse_schedule_kind(a) ? "" : std::string("valid: ") + kScheduleKindChoices;
                                      });
    o.kind = *parse_schedule_kind(kind);
    const bool chimera = o.kind == ScheduleKind::chimera;
    std::vector<int> depths;
    for (int d : divisors(star.gpus))
      if (d <= scenario.model.layers && (!chimera || d % 2 == 0)) depths.push_back(d);
    if (depths.empty())
      throw InputError({"stdin"}, "stages",
                       fmt::format("no pipeline depth fits {} GPUs with {}", star.gpus, to_string(o.kind)),
                       "an even GPU count for chimera");
    const int depth_default = std::count(depths.begin(), depths.end(), 4) ? 4 : depths.back();
    o.stages = ask.integer_in("Pipeline stages D (the rest of the GPUs replicate the pipeline)", depth_default, depths);
    plan.dp = star.gpus / o.stages;
    out << fmt::format("  data-parallel width W = {} / {} = {}\n", star.gpus, o.stages, plan.dp);
    if (o.kind == ScheduleKind::interleaved) {
      std::vector<int> chunks;
      for (int v = 2; v * o.stages <= scenario.model.layers && v <= 8; ++v) chunks.push_back(v);
      if (chunks.empty())
        throw InputError({"stdin"}, "chunks", "the model has too few layers for two chunks per stage", "fewer stages");
      o.chunks = ask.integer_in("Model chunks per worker v", chunks.front(), chunks);
    }
    const int step = chimera || o.kind == ScheduleKind::interleaved ? o.stages : 1;
    o.micro_batches = ask.integer("Micro-batches per worker N", 2 * step, 1, 100000, [&](long v) -> std::string {
      ScheduleOptions t = o;
      t.micro_batches = static_cast<int>(v);
      auto p = check_schedule_options(t);
      return p ? p->problem + "; valid: " + p->valid : "";
    });
    if (chimera && o.micro_batches % (2 * o.stages) == 0) {
      std::string ext = ask.text("Chimera with N > D: concat or doubling", "concat", [](const std::string& a) -> std::string {
        return parse_chimera_extend(a) ? "" : "valid: concat or doubling";
      });
      o.extend = *parse_chimera_extend(ext);
    }
    plan.recompute = ask.yes_no("Recompute activations in the backward", false);
    plan.tp = 1;
  }

  ModelInputs model_inputs(const ComputeCostModel& cost) const {
    ModelInputs mi;
    mi.model = scenario.model;
    mi.cost = &cost;
    // Star: every route crosses two ports.
    LinkCost link{2 * star.port_latency_s, star.port_bandwidth_Bps};
    mi.p2p = mi.allreduce = mi.tensor = link;
    return mi;
  }

  void show_schedule(const PipelineEstimate& e) {
    out << "\n== 3. The schedule ==\n";
    // Unit times in forwards; the backward rounded to half units so the grid stays readable.
    UnitTimes t;
    t.forward = 1;
    const double ratio = e.forward_s > 0 ? (e.backward_s + e.weight_s) / e.forward_s : 2.0;
    const double b = std::max(0.5, std::round(ratio * 2) / 2);
    t.backward = b;
    if (plan.schedule.kind == ScheduleKind::zb_h1) {
      const double w = std::max(0.5, std::round((e.weight_s / std::max(e.forward_s, 1e-30)) * 2) / 2);
      t.weight = std::min(w, b / 2), t.backward = b - t.weight;
    }
    ScheduleView v = view_schedule(plan.schedule, t);
    out << fmt::format("  (times in forward units: T_F = 1, T_B = {:g}, free communication)\n", b);
    out << schedule_view_text(v, 120);
  }

  void show_partition(const PipelineEstimate& e) {
    out << "\n== 4. Partition and memory ==\n";
    // The partition as the lowering makes it: slowest stage as fast as possible.
    const LayerCosts lc = layer_costs(scenario.model, plan.tp, *cost, plan.recompute);
    const int stage_count = plan.schedule.stages * plan.schedule.chunks;
    const StagePartition part = partition_layers(std::vector<double>(scenario.model.layers, lc.layer), stage_count,
                                                 lc.embedding, lc.lm_head);
    MemoryOptions mo;
    mo.recompute = plan.recompute;
    out << fmt::format("{:>5}  {:<16} {:>11} {:>12} {:>14}\n", "stage", "layers", "parameters", "state", "act./micro-b.");
    for (const StageMemory& st : stage_memory(scenario.model, part, plan.tp, mo))
      out << fmt::format("{:>5}  {:<16} {:>10.1f}M {:>12} {:>14}\n", st.stage,
                         fmt::format("{}-{}{}{}", st.first_layer, st.first_layer + st.layers - 1, st.embedding ? " +emb" : "",
                                     st.lm_head ? " +head" : ""),
                         st.parameters / 1e6, format_bytes(st.state.total()), format_bytes(st.activation_bytes));
    const double capacity = load_hardware_preset(scenario.compute.preset).memory_bytes;
    out << fmt::format("\n{:>6} {:<10} {:>14} {:>14} {:>14}\n", "worker", "stages", "state", "peak act.", "total");
    for (std::size_t w = 0; w < e.memory.size(); ++w) {
      const WorkerMemory& m = e.memory[w];
      std::string stages;
      for (int st : m.stages) stages += (stages.empty() ? "" : ",") + std::to_string(st);
      out << fmt::format("{:>6} {:<10} {:>14} {:>14} {:>14}{}\n", worker_name(static_cast<int>(w)), stages,
                         format_bytes(m.state.total()), format_bytes(m.peak_activations), format_bytes(m.total()),
                         capacity > 0 && m.total() > capacity ? "  EXCEEDS" : "");
    }
    out << fmt::format("  GPU memory: {} ({}); the plan {}\n", format_bytes(capacity), scenario.compute.preset,
                       e.peak_memory_bytes <= capacity ? "fits" : "does NOT fit");
  }

  void run() {
    out << fmt::format("chimera-sim playground ({})\nAnswer each question and press enter; an empty answer takes the "
                       "[default].\n",
                       version_string());
    choose_model_and_cluster();
    choose_schedule();
    cost = make_cost_model(scenario.compute.model, load_hardware_preset(scenario.compute.preset));
    const PipelineEstimate e = estimate_pipeline(plan, model_inputs(*cost));
    show_schedule(e);
    show_partition(e);

    out << "\n== 5. Performance estimate (Chimera's model) ==\n";
    out << fmt::format("  stage forward {} / backward {}{} per micro-batch, p2p {}\n", format_duration(e.forward_s),
                       format_duration(e.backward_s),
                       e.weight_s > 0 ? fmt::format(" / weight {}", format_duration(e.weight_s)) : "",
                       format_duration(e.p2p_s));
    out << fmt::format("  critical path {} F + {} B{}: {}\n", e.critical_forwards, e.critical_backwards,
                       e.critical_weights ? fmt::format(" + {} W", e.critical_weights) : "",
                       format_duration(e.critical_path_s));
    out << fmt::format("  exposed gradient all-reduce {}, optimizer {}\n", format_duration(e.exposed_allreduce_s),
                       format_duration(e.optimizer_s));
    out << fmt::format("  iteration {} for {} sequences: {:.1f} sequences/s\n", format_duration(e.iteration_s),
                       plan.mini_batch(), e.samples_per_s());

    if (ask.yes_no("Simulate this configuration on the engine", true)) {
      Scenario s = scenario_for(scenario, plan, OptimizerKind::adam);
      nlohmann::json r = run_isolated([&] {
        ScenarioRun run = run_scenario(s);
        nlohmann::json p = pipeline_report_json(s, run);
        return nlohmann::json{{"time", run.result.makespan_s}, {"bubble", p["bubble_ratio"]}};
      });
      const double t = r["time"].get<double>();
      out << fmt::format("  simulated iteration {} (model {:+.1f}%), mean bubble {:.3f}\n", format_duration(t),
                         100 * (e.iteration_s - t) / t, r["bubble"].get<double>());
    }

    if (ask.yes_no(fmt::format("Ask the autotuner for the best plan of {} GPUs and {} sequences", star.gpus,
                               plan.mini_batch()),
                   true)) {
      out << "\n== 6. Autotuner ==\n";
      TuneSetup setup = tune_setup(scenario, star.gpus, 1, plan.mini_batch(), "", "", 1, true);
      TuneOutcome outcome = run_tune(scenario, setup);
      out << tune_text(scenario, setup, outcome);
    }
    out << "\nDone. The same runs from a scenario file: `chimera-sim run FILE` with a [schedule] table; see "
           "scenarios/pipeline/.\n";
  }
};

}  // namespace

void add_playground_command(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand(
      "playground", "Guided session: choose a model and cluster, see a pipeline schedule, its partition and memory, "
                    "the performance estimate and the autotuner's choice (answers from stdin)");
  cmd->callback([] {
    Prompter prompter(std::cin, std::cout);
    Session session{prompter, std::cout, {}, {}, {}, {}};
    session.run();
  });
}

}  // namespace chimera
