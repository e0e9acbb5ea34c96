// GEMS-MAST (Jain et al., SC'20): two model replicas in opposite directions, as Chimera's two
// pipelines (down: stage s on worker s; up: stage s on worker D-1-s), with one micro-batch in
// flight per replica at a time. Micro-batch i goes down when i is even, up when odd; every
// worker runs F(i) then B(i) for i = 0..N-1. So the up micro-batch's forward follows the down
// one's backward from worker D-1 to worker 0 (it enters each worker right after that worker's
// backward), and the next down forward follows the up backward back from worker 0.
//
// With T_F <= T_B this gives, for N >= 2, an iteration of
//   (D+1)T_F + 2D T_B + (N-2)(D T_B + T_F),
// one micro-batch per D T_B + T_F in the steady state: bubble (D-1)T_B / (D T_B + T_F), the
// reference's (D-1)/(D+1/2) when T_B = 2T_F (pipeline-schedules.md §3, from the paper's table).
// Gradient syncs after the schedule, in decreasing stage order: worker w and worker D-1-w hold
// the same two stages, so both issue them in the same order.
#include "workloads/schedules/generator_util.hpp"

namespace chimera {

using namespace schedule_detail;

PipelineSchedule make_gems(const ScheduleOptions& o) {
  const int D = o.stages, N = o.micro_batches;
  PipelineSchedule s;
  s.options = o;
  s.workers = D;
  s.stage_count = D;
  s.actions.resize(D);
  for (int q = 0; q < 2; ++q) {
    Pipe p;
    p.tag = q == 0 ? 'd' : 'u';
    for (int st = 0; st < D; ++st) p.worker_of_stage.push_back(q == 0 ? st : D - 1 - st);
    for (int i = q; i < N; i += 2) p.micro_batches.push_back(i);
    s.pipes.push_back(std::move(p));
  }
  for (int w = 0; w < D; ++w) {
    auto& l = s.actions[w];
    for (int i = 0; i < N; ++i) {
      const int pipe = i % 2, stage = pipe == 0 ? w : D - 1 - w;
      l.push_back(compute_action(ActionType::forward, pipe, stage, i));
      l.push_back(compute_action(ActionType::backward, pipe, stage, i));
    }
    auto held = s.stages_of(w);
    for (auto it = held.rbegin(); it != held.rend(); ++it) {
      Action sync;
      sync.type = ActionType::gradient_sync, sync.stage = *it;
      l.push_back(sync);
    }
  }
  add_send_recv(s);
  return s;
}

}  // namespace chimera
