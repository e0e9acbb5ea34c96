#include "cli/schedule_view.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "version.hpp"
#include "workloads/schedules/formulas.hpp"
#include "workloads/schedules/timeline_render.hpp"

namespace chimera {
namespace {

const char* type_name(ActionType t) {
  switch (t) {
    case ActionType::forward: return "F";
    case ActionType::backward: return "B";
    case ActionType::weight: return "W";
    case ActionType::send_activation:
    case ActionType::send_gradient: return "send";
    case ActionType::recv_activation:
    case ActionType::recv_gradient: return "recv";
    case ActionType::gradient_sync: return "sync";
  }
  return "?";
}

std::string times_text(const ScheduleView& v) {
  std::string s = fmt::format("T_F={:g}, T_B={:g}", v.times.forward, v.times.backward);
  if (v.schedule.split_backward) s += fmt::format(" (input gradient), T_W={:g}", v.times.weight);
  return s;
}

}  // namespace

ScheduleView view_schedule(const ScheduleOptions& o, const UnitTimes& t) {
  ScheduleView v{make_schedule(o), t, {}};
  v.timeline = execute_unit_time(v.schedule, build_schedule_graph(v.schedule), t);
  return v;
}

std::string schedule_view_title(const ScheduleView& v) {
  return fmt::format("{}, {}, free communication", describe(v.schedule.options), times_text(v));
}

nlohmann::json schedule_view_json(const ScheduleView& v) {
  const PipelineSchedule& s = v.schedule;
  const ScheduleTimeline& t = v.timeline;
  nlohmann::json workers = nlohmann::json::array();
  for (int w = 0; w < s.workers; ++w) {
    nlohmann::json actions = nlohmann::json::array();
    for (std::size_t i = 0; i < s.actions[w].size(); ++i) {
      const Action& a = s.actions[w][i];
      nlohmann::json j = {{"type", type_name(a.type)},
                          {"label", action_label(s, a)},
                          {"stage", a.stage},
                          {"start", t.timings[w][i].start},
                          {"end", t.timings[w][i].end}};
      if (a.type != ActionType::gradient_sync) {
        j["micro_batch"] = a.micro_batch;
        j["pipe"] = a.pipe;
        if (s.pipes[a.pipe].tag) j["direction"] = s.pipes[a.pipe].tag == 'd' ? "down" : "up";
      }
      if (is_transfer(a.type)) {
        j["peer"] = a.peer;
        j["data"] = a.type == ActionType::send_activation || a.type == ActionType::recv_activation ? "activation"
                                                                                                      : "gradient";
      }
      actions.push_back(std::move(j));
    }
    workers.push_back({{"worker", w},
                       {"stages", s.stages_of(w)},
                       {"busy", t.busy[w]},
                       {"idle", t.iteration_time - t.busy[w]},
                       {"bubble_ratio", t.bubble[w]},
                       {"peak_activations", t.peak_activations[w]},
                       {"actions", std::move(actions)}});
  }
  nlohmann::json formula = nullptr;
  if (auto f = bubble_formula(s.options, v.times))
    formula = {{"bubble_ratio", f->value}, {"expression", f->expression}, {"condition", f->condition},
               {"applies", f->applies}};
  const auto& o = s.options;
  return {{"kind", to_string(o.kind)},
          {"stages", o.stages},
          {"micro_batches", o.micro_batches},
          {"chunks", o.chunks},
          {"pipes_per_direction", o.pipes_per_direction},
          {"extend", to_string(o.extend)},
          {"fwd", v.times.forward},
          {"bwd", v.times.backward},
          {"wgrad", v.times.weight},
          {"communication", "free"},
          {"iteration_time", t.iteration_time},
          {"bubble_ratio", t.bubble_ratio},
          {"formula", formula},
          {"peak_activations", *std::max_element(t.peak_activations.begin(), t.peak_activations.end())},
          {"peak_activations_unit", "activations of one full worker stage (L/D layers) for one micro-batch"},
          {"critical_path", {{"forwards", t.critical.forwards}, {"backwards", t.critical.backwards},
                             {"weights", t.critical.weights}}},
          {"workers", std::move(workers)},
          {"version", version_string()}};
}

std::string schedule_view_text(const ScheduleView& v, int max_columns) {
  const PipelineSchedule& s = v.schedule;
  const ScheduleTimeline& t = v.timeline;
  std::string out = fmt::format("{}\n{}\n\n", schedule_view_title(v), version_string());
  out += ascii_timeline(s, t, max_columns);
  out += fmt::format("\niteration time  {:g}\n", t.iteration_time);
  out += fmt::format("bubble ratio    {:.4f}", t.bubble_ratio);
  if (auto f = bubble_formula(s.options, v.times)) {
    out += fmt::format("   formula {} = {:.4f}", f->expression, f->value);
    if (!f->condition.empty()) out += fmt::format(" ({} {})", f->applies ? "holds for" : "does not apply: needs", f->condition);
  }
  out += fmt::format("\ncritical path   {} F + {} B", t.critical.forwards, t.critical.backwards);
  if (s.split_backward) out += fmt::format(" + {} W", t.critical.weights);
  out += "\n\n";
  out += fmt::format("{:<6} {:<14} {:>8} {:>8} {:>8} {:>18}\n", "worker", "stages", "busy", "idle", "bubble",
                     "peak activations");
  for (int w = 0; w < s.workers; ++w) {
    std::string stages;
    for (int st : s.stages_of(w)) stages += (stages.empty() ? "" : ",") + std::to_string(st);
    out += fmt::format("{:<6} {:<14} {:>8g} {:>8g} {:>8.4f} {:>16g}Ma\n", worker_name(w), stages, t.busy[w],
                       t.iteration_time - t.busy[w], t.bubble[w], t.peak_activations[w]);
  }
  out += "(Ma = activations of one full worker stage, L/D layers, for one micro-batch)\n";
  return out;
}

}  // namespace chimera
