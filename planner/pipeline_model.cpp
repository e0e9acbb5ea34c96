#include "planner/pipeline_model.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "workloads/step/training_step.hpp"
#include "workloads/schedules/unit_executor.hpp"
#include "workloads/schedules/validate.hpp"

namespace chimera {

double rabenseifner_allreduce_seconds(int r, double bytes, const LinkCost& link) {
  if (r <= 1) return 0;
  const double per_byte = link.bandwidth_Bps > 0 ? 1.0 / link.bandwidth_Bps : 0.0;
  return 2 * std::log2(double(r)) * link.latency_s + 2.0 * (r - 1) / r * bytes * per_byte;
}

std::string describe(const PipelineCandidate& c) {
  return fmt::format("{} tp={} W={} B={}{}", describe(c.schedule), c.tp, c.dp, c.micro_batch,
                     c.recompute ? " recompute" : "");
}

double PipelineEstimate::samples_per_s() const { return iteration_s > 0 ? mini_batch / iteration_s : 0.0; }

namespace {

// Ring all-reduce over the tensor-parallel group, as the engine runs it: 2(t-1) steps of S/t.
double tp_allreduce_seconds(int tp, double bytes, const LinkCost& link) {
  if (tp <= 1) return 0;
  return 2.0 * (tp - 1) * link.seconds(bytes / tp);
}

struct StageTimes {
  double forward = 0, backward = 0, weight = 0;  // backward: input gradient only when split
};

// The stalls of the gradient all-reduces issued at the schedule's sync points (one replica;
// the others run identically), each on its worker's single channel in issue order.
double allreduce_finish(const PipelineSchedule& s, const ScheduleTimeline& t, const std::vector<double>& seconds_of_stage) {
  std::vector<std::vector<std::pair<int, double>>> pending(s.workers);  // (stage, issue time)
  for (int w = 0; w < s.workers; ++w)
    for (std::size_t i = 0; i < s.actions[w].size(); ++i)
      if (s.actions[w][i].type == ActionType::gradient_sync)
        pending[w].emplace_back(s.actions[w][i].stage, t.timings[w][i].start);
  std::vector<std::size_t> next(s.workers, 0);
  std::vector<double> free(s.workers, 0.0);
  double finish = 0;
  for (bool progress = true; progress;) {
    progress = false;
    for (int st = 0; st < s.stage_count; ++st) {
      const auto members = s.workers_of_stage(st);
      bool ready = std::all_of(members.begin(), members.end(), [&](int w) {
        return next[w] < pending[w].size() && pending[w][next[w]].first == st;
      });
      if (!ready) continue;
      double start = 0;
      for (int w : members) start = std::max({start, pending[w][next[w]].second, free[w]});
      const double end = start + seconds_of_stage[st];
      for (int w : members) free[w] = end, ++next[w];
      finish = std::max(finish, end);
      progress = true;
    }
  }
  for (int w = 0; w < s.workers; ++w)
    if (next[w] != pending[w].size())
      throw std::logic_error(fmt::format("gradient syncs of {} are issued in an order that cannot complete",
                                         describe(s.options)));
  return finish;
}

}  // namespace

PipelineEstimate estimate_pipeline(const PipelineCandidate& c, const ModelInputs& in) {
  if (auto p = check_schedule_options(c.schedule)) throw std::invalid_argument(p->option + ": " + p->problem);
  ModelSpec m = in.model;
  m.micro_batch = c.micro_batch;
  const PipelineSchedule s = make_schedule(c.schedule);
  const ScheduleGraph g = build_schedule_graph(s);
  if (m.layers < s.stage_count)
    throw std::invalid_argument(fmt::format("{} layers cannot fill {} stages", m.layers, s.stage_count));

  // Per-stage compute (the lowering's partition), tensor-parallel all-reduces inside.
  const LayerCosts lc = layer_costs(m, c.tp, *in.cost, c.recompute);
  const std::vector<double> layer(m.layers, lc.layer);
  const StagePartition part = partition_layers(layer, s.stage_count, lc.embedding, lc.lm_head);
  const double act = activation_bytes(m);
  const double ar = tp_allreduce_seconds(c.tp, act, in.tensor);
  StageTimes slowest;
  for (int st = 0; st < s.stage_count; ++st) {
    const bool first = st == 0, last = st == s.stage_count - 1;
    const int n = part.layers[st];
    StageTimes x;
    double fwd = n * lc.layer_forward + (first ? lc.embedding_forward : 0) + (last ? lc.lm_head_forward : 0);
    double total = n * lc.layer + (first ? lc.embedding : 0) + (last ? lc.lm_head : 0);
    double wg = n * lc.layer_weight + (first ? lc.embedding_weight : 0) + (last ? lc.lm_head_weight : 0);
    // Forward: one all-reduce per attention and MLP block (and the embedding); backward: one
    // per block's input gradient (and the LM head's), hidden behind the block's weight
    // gradient where that runs right after it.
    const double fwd_ar = (2 * n + (first ? 1 : 0)) * ar;
    const double bwd_ar_count = 2 * n + (last ? 1 : 0);
    x.forward = fwd + fwd_ar;
    const double recompute_ar = c.recompute ? fwd_ar : 0.0;
    if (s.split_backward) {
      x.backward = total - fwd - wg + bwd_ar_count * ar + recompute_ar;
      x.weight = wg;
    } else {
      const double per_block_wg = bwd_ar_count > 0 ? wg / bwd_ar_count : 0.0;
      x.backward = total - fwd + bwd_ar_count * std::max(0.0, ar - per_block_wg) + recompute_ar;
    }
    if (x.forward + x.backward + x.weight > slowest.forward + slowest.backward + slowest.weight) slowest = x;
  }

  PipelineEstimate e;
  e.mini_batch = c.mini_batch();
  e.forward_s = slowest.forward, e.backward_s = slowest.backward, e.weight_s = slowest.weight;
  e.p2p_s = in.p2p.seconds(act);
  // The executor takes the times of a full worker stage and runs each stage action for its
  // fraction 1/v (interleaved chunks); our stage times are already per action.
  UnitTimes u;
  const double v = s.options.chunks;
  u.forward = slowest.forward * v, u.backward = slowest.backward * v, u.weight = slowest.weight * v;
  const ScheduleTimeline t = execute_unit_time(s, g, u);
  e.critical_forwards = t.critical.forwards;
  e.critical_backwards = t.critical.backwards;
  e.critical_weights = t.critical.weights;
  e.bubble_ratio = t.bubble_ratio;
  e.critical_path_s = (e.forward_s + e.p2p_s) * e.critical_forwards + (e.backward_s + e.p2p_s) * e.critical_backwards +
                      e.weight_s * e.critical_weights;

  MemoryOptions mo;
  mo.recompute = c.recompute, mo.optimizer = in.optimizer;
  const std::vector<StageMemory> stages = stage_memory(m, part, c.tp, mo);
  std::vector<double> sync_seconds(s.stage_count);
  for (int st = 0; st < s.stage_count; ++st) {
    const int replicas = c.dp * static_cast<int>(s.workers_of_stage(st).size());
    sync_seconds[st] = rabenseifner_allreduce_seconds(replicas, stages[st].state.gradients, in.allreduce);
  }
  e.exposed_allreduce_s = std::max(0.0, allreduce_finish(s, t, sync_seconds) - t.iteration_time);

  e.memory = worker_memory(s, t.timings, stages);
  for (const WorkerMemory& wm : e.memory) {
    double params = 0;
    for (int st : wm.stages) params += stages[st].parameters;
    e.optimizer_s = std::max(e.optimizer_s, in.cost->elementwise_seconds(params * (16.0 * 2 + m.bytes_per_element)));
    e.peak_memory_bytes = std::max(e.peak_memory_bytes, wm.total());
  }
  e.iteration_s = e.critical_path_s + e.exposed_allreduce_s + e.optimizer_s;
  return e;
}

}  // namespace chimera
