// GPipe, 1F1B (PipeDream-Flush / DAPPLE / Megatron non-interleaved) and ZB-H1: one pipe,
// stage s on worker s, forwards and backwards of each stage in micro-batch order.
#include <algorithm>
#include <numeric>

#include "workloads/schedules/generator_util.hpp"

namespace chimera {
namespace schedule_detail {

PipelineSchedule single_pipe_schedule(const ScheduleOptions& o, std::vector<int> worker_of_stage) {
  PipelineSchedule s;
  s.options = o;
  s.workers = o.stages;
  s.stage_count = static_cast<int>(worker_of_stage.size());
  Pipe p;
  p.worker_of_stage = std::move(worker_of_stage);
  p.micro_batches.resize(o.micro_batches);
  std::iota(p.micro_batches.begin(), p.micro_batches.end(), 0);
  s.pipes.push_back(std::move(p));
  s.actions.resize(o.stages);
  return s;
}

void insert_syncs_after_last_backward(PipelineSchedule& s) {
  const ActionType completes = s.split_backward ? ActionType::weight : ActionType::backward;
  for (auto& list : s.actions) {
    std::vector<int> last(s.stage_count, -1);  // position of the last completing action per stage
    for (int i = 0; i < static_cast<int>(list.size()); ++i)
      if (list[i].type == completes) last[list[i].stage] = i;
    std::vector<Action> out;
    out.reserve(list.size() + s.stage_count);
    for (int i = 0; i < static_cast<int>(list.size()); ++i) {
      out.push_back(list[i]);
      if (list[i].type == completes && last[list[i].stage] == i) {
        Action sync;
        sync.type = ActionType::gradient_sync, sync.stage = list[i].stage;
        out.push_back(sync);
      }
    }
    list = std::move(out);
  }
}

}  // namespace schedule_detail

using namespace schedule_detail;

namespace {
std::vector<int> identity_map(int d) {
  std::vector<int> m(d);
  std::iota(m.begin(), m.end(), 0);
  return m;
}
}  // namespace

PipelineSchedule make_gpipe(const ScheduleOptions& o) {
  PipelineSchedule s = single_pipe_schedule(o, identity_map(o.stages));
  for (int w = 0; w < o.stages; ++w) {
    for (int m = 0; m < o.micro_batches; ++m) s.actions[w].push_back(compute_action(ActionType::forward, 0, w, m));
    for (int m = 0; m < o.micro_batches; ++m) s.actions[w].push_back(compute_action(ActionType::backward, 0, w, m));
  }
  insert_syncs_after_last_backward(s);
  add_send_recv(s);
  return s;
}

// Stage s: min(D-1-s, N) warm-up forwards, then one forward and one backward at a time, then
// the remaining backwards.
PipelineSchedule make_1f1b(const ScheduleOptions& o) {
  const int D = o.stages, N = o.micro_batches;
  PipelineSchedule s = single_pipe_schedule(o, identity_map(D));
  for (int w = 0; w < D; ++w) {
    auto& l = s.actions[w];
    const int warmup = std::min(D - 1 - w, N);
    for (int m = 0; m < warmup; ++m) l.push_back(compute_action(ActionType::forward, 0, w, m));
    for (int k = 0; k < N - warmup; ++k) {
      l.push_back(compute_action(ActionType::forward, 0, w, warmup + k));
      l.push_back(compute_action(ActionType::backward, 0, w, k));
    }
    for (int k = N - warmup; k < N; ++k) l.push_back(compute_action(ActionType::backward, 0, w, k));
  }
  insert_syncs_after_last_backward(s);
  add_send_recv(s);
  return s;
}

// ZB-H1 (Qi et al., ICLR'24): 1F1B's forward/backward order with the backward split into B
// (input gradient, on the critical path) and W (weight gradient). Stage i runs W of
// micro-batch k-i right after B of micro-batch k, so later stages defer up to i W passes into
// the cool-down, where 1F1B would idle; every stage then holds at most D micro-batches in
// flight, as 1F1B's first stage does.
PipelineSchedule make_zb_h1(const ScheduleOptions& o) {
  const int D = o.stages, N = o.micro_batches;
  PipelineSchedule s = single_pipe_schedule(o, identity_map(D));
  s.split_backward = true;
  for (int i = 0; i < D; ++i) {
    auto& l = s.actions[i];
    const int warmup = std::min(D - 1 - i, N);
    for (int m = 0; m < warmup; ++m) l.push_back(compute_action(ActionType::forward, 0, i, m));
    int next_w = 0;
    for (int k = 0; k < N; ++k) {
      if (k < N - warmup) l.push_back(compute_action(ActionType::forward, 0, i, warmup + k));
      l.push_back(compute_action(ActionType::backward, 0, i, k));
      if (k >= i) l.push_back(compute_action(ActionType::weight, 0, i, next_w++));
    }
    while (next_w < N) l.push_back(compute_action(ActionType::weight, 0, i, next_w++));
  }
  insert_syncs_after_last_backward(s);
  add_send_recv(s);
  return s;
}

}  // namespace chimera
