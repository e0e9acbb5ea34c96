#include "planner/pipeline_tuner.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace chimera {

std::vector<PipelineCandidate> enumerate_candidates(const TuneRequest& r) {
  std::vector<PipelineCandidate> out;
  const int layers = r.inputs.model.layers;
  if (r.tp < 1 || r.gpus % r.tp != 0) return out;
  const int workers = r.gpus / r.tp;
  for (int D = 1; D <= workers; ++D) {
    if (workers % D != 0 || D > layers) continue;
    const int W = workers / D;
    if (r.mini_batch % W != 0) continue;
    const int per_replica = r.mini_batch / W;
    for (int B = 1; B <= std::min(per_replica, r.max_micro_batch); B *= 2) {
      if (per_replica % B != 0) continue;
      const int N = per_replica / B;
      std::vector<ScheduleOptions> schedules;
      for (ScheduleKind k : r.kinds) {
        ScheduleOptions o;
        o.kind = k, o.stages = D, o.micro_batches = N;
        if (D == 1 && k != ScheduleKind::one_f_one_b) continue;  // one stage: plain gradient accumulation
        switch (k) {
          case ScheduleKind::interleaved:
            for (int v : {2, 4}) {
              o.chunks = v;
              if (D * v <= layers) schedules.push_back(o);
            }
            break;
          case ScheduleKind::chimera:
            for (int f = 1; f <= 4 && f <= D / 2; f *= 2) {
              o.pipes_per_direction = f;
              o.extend = ChimeraExtend::concat;
              schedules.push_back(o);
              if (f == 1 && N > D) {
                o.extend = ChimeraExtend::doubling;
                schedules.push_back(o);
              }
            }
            break;
          default: schedules.push_back(o);
        }
      }
      for (const ScheduleOptions& o : schedules) {
        if (check_schedule_options(o)) continue;
        for (bool rc : {false, true}) {
          if (rc && !r.try_recompute) continue;
          PipelineCandidate c;
          c.schedule = o, c.tp = r.tp, c.dp = W, c.micro_batch = B, c.recompute = rc;
          out.push_back(c);
        }
      }
    }
  }
  return out;
}

TuneResult tune_pipeline(const TuneRequest& r) {
  const auto candidates = enumerate_candidates(r);
  if (candidates.empty())
    throw std::invalid_argument(fmt::format(
        "no pipeline configuration of {} GPUs (tp {}) divides the mini-batch of {} sequences", r.gpus, r.tp, r.mini_batch));
  TuneResult out;
  bool have_least = false;
  for (const PipelineCandidate& c : candidates) {
    ++out.considered;
    ModelInputs in = r.inputs_for ? r.inputs_for(c) : r.inputs;
    PipelineEstimate e = estimate_pipeline(c, in);
    if (!have_least || e.peak_memory_bytes < out.least_memory.estimate.peak_memory_bytes) {
      out.least_memory = {c, e};
      have_least = true;
    }
    if (r.memory_bytes > 0 && e.peak_memory_bytes > r.memory_bytes) {
      ++out.over_memory;
      continue;
    }
    out.feasible.push_back({c, std::move(e)});
  }
  // Same mini-batch everywhere: best throughput = least time; ties in enumeration order.
  std::stable_sort(out.feasible.begin(), out.feasible.end(), [](const RankedCandidate& a, const RankedCandidate& b) {
    return a.estimate.iteration_s < b.estimate.iteration_s;
  });
  return out;
}

}  // namespace chimera
