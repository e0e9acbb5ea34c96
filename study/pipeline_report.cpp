#include "study/pipeline_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "actors/timeline_stats.hpp"
#include "common/units.hpp"
#include "compute/hardware_preset.hpp"

namespace chimera {

nlohmann::json pipeline_report_json(const Scenario& s, const ScenarioRun& run) {
  const TrainingStep& pl = *run.pipeline;
  const ScheduleOptions& o = pl.schedule.options;
  const int ranks = static_cast<int>(run.programs.size());

  // The pipeline's time: until the last forward / backward on any rank (before the optimizer).
  double pipeline_end = 0;
  std::vector<double> busy(ranks, 0.0);
  for (int r = 0; r < ranks; ++r) {
    std::vector<Interval> compute;
    const Program& p = run.programs[r];
    for (OpIndex i = 0; i < p.ops().size(); ++i) {
      if (p.ops()[i].kind != OpKind::compute || i == pl.optimizer_op[r]) continue;
      const OpTiming& t = run.result.timings[r][i];
      compute.push_back({t.start_s, t.end_s});
      pipeline_end = std::max(pipeline_end, t.end_s);
    }
    busy[r] = union_length(std::move(compute));
  }

  std::map<std::string, double> capacity;  // per preset name
  nlohmann::json rank_rows = nlohmann::json::array();
  double bubble_sum = 0, peak_max = 0;
  bool fits = true;
  for (int r = 0; r < ranks; ++r) {
    // Activation peak: each micro-batch's stage activations live from its F's first op to its
    // B's (or W's) last; released before taken at equal times.
    std::vector<std::pair<double, double>> events;
    for (const LiveActivation& l : pl.live_activations[r]) {
      events.emplace_back(run.result.timings[r][l.first].start_s, l.bytes);
      events.emplace_back(run.result.timings[r][l.last].end_s, -l.bytes);
    }
    std::sort(events.begin(), events.end());
    double live = 0, peak = 0;
    for (const auto& [t, d] : events) peak = std::max(peak, live += d);
    const WorkerMemory& wm = pl.rank_memory[r];
    const double total = wm.state.total() + wm.working + peak;
    const std::string& preset = run.rank_presets[r];
    if (!capacity.count(preset)) capacity[preset] = load_hardware_preset(preset).memory_bytes;
    const double cap = capacity[preset];
    const bool ok = cap <= 0 || total <= cap;
    fits = fits && ok;
    const double bubble = pipeline_end > 0 ? (pipeline_end - busy[r]) / pipeline_end : 0.0;
    bubble_sum += bubble;
    peak_max = std::max(peak_max, total);
    rank_rows.push_back({{"rank", r},
                         {"worker", coordinates_of(s.parallel, r).pp_index},
                         {"stages", wm.stages},
                         {"bubble_ratio", bubble},
                         {"weights_bytes", wm.state.weights},
                         {"gradients_bytes", wm.state.gradients},
                         {"optimizer_bytes", wm.state.optimizer},
                         {"working_bytes", wm.working},
                         {"peak_activation_bytes", peak},
                         {"peak_memory_bytes", total},
                         {"memory_capacity_bytes", cap},
                         {"fits", ok}});
  }
  nlohmann::json stages = nlohmann::json::array();
  for (const StageMemory& st : pl.stages)
    stages.push_back({{"stage", st.stage},
                      {"first_layer", st.first_layer},
                      {"layers", st.layers},
                      {"embedding", st.embedding},
                      {"lm_head", st.lm_head},
                      {"parameters", st.parameters},
                      {"weights_bytes", st.state.weights},
                      {"gradients_bytes", st.state.gradients},
                      {"optimizer_bytes", st.state.optimizer},
                      {"activation_bytes_per_micro_batch", st.activation_bytes},
                      {"compute_s", pl.stage_seconds[st.stage]}});
  return {{"schedule", {{"kind", to_string(o.kind)},
                        {"description", describe(o)},
                        {"stages", o.stages},
                        {"micro_batches", o.micro_batches},
                        {"chunks", o.chunks},
                        {"pipes_per_direction", o.pipes_per_direction},
                        {"extend", to_string(o.extend)},
                        {"recompute", s.memory.recompute == RecomputeKind::full},
                        {"recompute_kind", to_string(s.memory.recompute)},
                        {"optimizer", to_string(s.pipeline ? s.pipeline->memory.optimizer : OptimizerKind::adam)}}},
          {"pipeline_time_s", pipeline_end},
          {"bubble_ratio", ranks ? bubble_sum / ranks : 0.0},
          {"peak_memory_bytes", peak_max},
          {"fits_memory", fits},
          {"stages", std::move(stages)},
          {"ranks", std::move(rank_rows)}};
}

std::string pipeline_report_text(const nlohmann::json& p) {
  const auto& sch = p["schedule"];
  std::string out = fmt::format("schedule   {}, recompute {}, optimizer {}\n", sch["description"].get<std::string>(),
                                sch.value("recompute_kind", sch["recompute"].get<bool>() ? "full" : "none"),
                                sch["optimizer"].get<std::string>());
  out += fmt::format("pipeline   {} until the last backward, mean bubble {:.4f}\n",
                     format_duration(p["pipeline_time_s"].get<double>()), p["bubble_ratio"].get<double>());
  out += fmt::format("\n{:>5}  {:<16} {:>12} {:>14} {:>14} {:>12}\n", "stage", "layers", "parameters", "state",
                     "act./micro-b.", "compute");
  for (const auto& st : p["stages"]) {
    int first = st["first_layer"].get<int>(), n = st["layers"].get<int>();
    std::string layers = fmt::format("{}-{}{}{}", first, first + n - 1, st["embedding"].get<bool>() ? " +emb" : "",
                                     st["lm_head"].get<bool>() ? " +head" : "");
    double state = st["weights_bytes"].get<double>() + st["gradients_bytes"].get<double>() +
                   st["optimizer_bytes"].get<double>();
    out += fmt::format("{:>5}  {:<16} {:>11.1f}M {:>14} {:>14} {:>12}\n", st["stage"].get<int>(), layers,
                       st["parameters"].get<double>() / 1e6, format_bytes(state),
                       format_bytes(st["activation_bytes_per_micro_batch"].get<double>()),
                       format_duration(st["compute_s"].get<double>()));
  }
  out += fmt::format("\n{:>5}  {:>6} {:<8} {:>8} {:>14} {:>14} {:>12}\n", "rank", "worker", "stages", "bubble",
                     "peak act.", "peak memory", "capacity");
  const auto& ranks = p["ranks"];
  const std::size_t n = ranks.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (n > 32 && i == 16) {
      out += fmt::format("{:>5}  ({} more ranks)\n", "...", n - 32);
      i = n - 16;
    }
    const auto& r = ranks[i];
    std::string stages;
    for (const auto& x : r["stages"]) stages += (stages.empty() ? "" : ",") + std::to_string(x.get<int>());
    out += fmt::format("{:>5}  {:>6} {:<8} {:>8.4f} {:>14} {:>14} {:>12}{}\n", r["rank"].get<int>(), r["worker"].get<int>(),
                       stages, r["bubble_ratio"].get<double>(), format_bytes(r["peak_activation_bytes"].get<double>()),
                       format_bytes(r["peak_memory_bytes"].get<double>()),
                       format_bytes(r["memory_capacity_bytes"].get<double>()), r["fits"].get<bool>() ? "" : "  EXCEEDS");
  }
  if (!p["fits_memory"].get<bool>())
    out += "memory     some ranks need more memory than their GPU has: this plan is infeasible as configured\n";
  return out;
}

}  // namespace chimera
