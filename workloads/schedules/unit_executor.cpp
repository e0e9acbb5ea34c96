#include "workloads/schedules/unit_executor.hpp"

#include <algorithm>
#include <limits>

namespace chimera {

namespace {

bool is_receive(ActionType t) { return t == ActionType::recv_activation || t == ActionType::recv_gradient; }

double duration(const PipelineSchedule& s, const Action& a, const UnitTimes& t) {
  const double f = s.stage_fraction();
  switch (a.type) {
    case ActionType::forward: return t.forward * f;
    case ActionType::backward: return t.backward * f;
    case ActionType::weight: return t.weight * f;
    default: return 0;
  }
}

// Walks back from the last-finishing compute through the predecessor that determined each
// start (a data dependency first, else the worker's previous action).
CriticalPath critical_path(const PipelineSchedule& s, const ScheduleGraph& g,
                           const std::vector<std::vector<ActionTiming>>& tm, double transfer) {
  CriticalPath c;
  std::uint32_t v = 0;
  double latest = -1;
  for (int w = 0; w < s.workers; ++w)
    for (std::size_t i = 0; i < s.actions[w].size(); ++i)
      if (is_compute(s.actions[w][i].type) && tm[w][i].end > latest) latest = tm[w][i].end, v = g.node(w, i);
  if (latest < 0) return c;
  auto timing = [&](std::uint32_t n) { return tm[g.worker_of[n]][g.index_in_worker(n)]; };
  for (;;) {
    const Action& a = s.actions[g.worker_of[v]][g.index_in_worker(v)];
    switch (a.type) {
      case ActionType::forward: ++c.forwards; break;
      case ActionType::backward: ++c.backwards; break;
      case ActionType::weight: ++c.weights; break;
      case ActionType::recv_activation:
      case ActionType::recv_gradient: ++c.transfers; break;
      default: break;
    }
    const double start = timing(v).start;
    std::uint32_t next = std::numeric_limits<std::uint32_t>::max();
    for (std::uint32_t d : g.deps[v])
      if (timing(d).end + (is_receive(a.type) ? transfer : 0.0) == start) {
        next = d;
        break;
      }
    if (next == std::numeric_limits<std::uint32_t>::max() && g.index_in_worker(v) > 0 &&
        timing(v - 1).end == start)
      next = v - 1;
    if (next == std::numeric_limits<std::uint32_t>::max()) break;
    v = next;
  }
  return c;
}

}  // namespace

ScheduleTimeline execute_unit_time(const PipelineSchedule& s, const ScheduleGraph& g, const UnitTimes& t) {
  ScheduleTimeline out;
  out.timings.resize(s.workers);
  for (int w = 0; w < s.workers; ++w) out.timings[w].resize(s.actions[w].size());
  for (std::uint32_t v : g.topological_order) {
    const int w = g.worker_of[v];
    const std::size_t i = g.index_in_worker(v);
    const Action& a = s.actions[w][i];
    double start = i > 0 ? out.timings[w][i - 1].end : 0.0;
    for (std::uint32_t d : g.deps[v]) {
      double ready = out.timings[g.worker_of[d]][g.index_in_worker(d)].end;
      if (is_receive(a.type)) ready += t.transfer;
      start = std::max(start, ready);
    }
    out.timings[w][i] = {start, start + duration(s, a, t)};
  }
  out.busy.assign(s.workers, 0.0);
  for (int w = 0; w < s.workers; ++w)
    for (std::size_t i = 0; i < s.actions[w].size(); ++i)
      if (is_compute(s.actions[w][i].type)) {
        out.busy[w] += out.timings[w][i].end - out.timings[w][i].start;
        out.iteration_time = std::max(out.iteration_time, out.timings[w][i].end);
      }
  out.bubble.assign(s.workers, 0.0);
  for (int w = 0; w < s.workers; ++w) {
    out.bubble[w] = out.iteration_time > 0 ? (out.iteration_time - out.busy[w]) / out.iteration_time : 0.0;
    out.bubble_ratio += out.bubble[w] / s.workers;
  }
  out.peak_activations = peak_live_activations(s, out.timings, std::vector<double>(s.stage_count, s.stage_fraction()));
  out.critical = critical_path(s, g, out.timings, t.transfer);
  return out;
}

std::vector<double> peak_live_activations(const PipelineSchedule& s, const std::vector<std::vector<ActionTiming>>& tm,
                                          const std::vector<double>& bytes_per_stage) {
  const ActionType frees = s.split_backward ? ActionType::weight : ActionType::backward;
  std::vector<double> peak(s.workers, 0.0);
  for (int w = 0; w < s.workers; ++w) {
    std::vector<std::pair<double, double>> events;  // (time, +bytes / -bytes)
    for (std::size_t i = 0; i < s.actions[w].size(); ++i) {
      const Action& a = s.actions[w][i];
      if (a.type == ActionType::forward) events.emplace_back(tm[w][i].start, bytes_per_stage[a.stage]);
      else if (a.type == frees) events.emplace_back(tm[w][i].end, -bytes_per_stage[a.stage]);
      // A previous period's micro-batch (steady state) holds its activations from the start.
      if (a.type == frees && s.steady_state && a.micro_batch < 0) events.emplace_back(-1.0, bytes_per_stage[a.stage]);
    }
    // At equal times memory is released before it is taken again.
    std::sort(events.begin(), events.end());
    double live = 0;
    for (const auto& [time, delta] : events) {
      live += delta;
      peak[w] = std::max(peak[w], live);
    }
  }
  return peak;
}

}  // namespace chimera
