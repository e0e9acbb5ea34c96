// PipeDream (Narayanan et al., SOSP'19) and PipeDream-2BW (Narayanan et al., ICML'21):
// asynchronous 1F1B without a pipeline flush. In the steady state worker w alternates the
// forward of micro-batch j with the backward of micro-batch j - (D-1-w), across iteration
// boundaries. The schedule is one such period of N micro-batches, cut at the forwards: worker w
// runs, for j = 0..N-1, F(j) then B(j - (D-1-w)); its first D-1-w backwards (ids < 0) finish the
// previous period's last micro-batches, and this period's last D-1-w micro-batches leave their
// backwards on worker w to the next period (steady_state in schedule.hpp).
//
// Every worker is busy N(T_F + T_B); the only idle time left is the forward of the period's
// first micro-batch reaching worker w (w T_F at the start, (D-1-w) T_F at the end), so with
// T_F <= T_B the period lasts N(T_F + T_B) + (D-1) T_F: bubble (D-1)T_F / (N(T_F+T_B) + (D-1)T_F),
// an upper bound of the reference's "about 0" that longer runs amortise.
//
// Both kinds share this order; they differ in the weight versions a worker keeps
// (weight_versions: D - w stashed for PipeDream, 2 for 2BW) and in how data-parallel replicas
// synchronise: PipeDream updates its weights after every micro-batch, so the replicas of a
// stage all-reduce its gradients after every backward (sync_every_backward); 2BW accumulates
// the period's gradients and all-reduces once per stage. The optimizer step itself is charged
// once per period for both.
#include "workloads/schedules/generator_util.hpp"

namespace chimera {

using namespace schedule_detail;

PipelineSchedule make_pipedream(const ScheduleOptions& o) {
  const int D = o.stages, N = o.micro_batches;
  std::vector<int> identity(D);
  for (int st = 0; st < D; ++st) identity[st] = st;
  PipelineSchedule s = single_pipe_schedule(o, identity);
  s.steady_state = true;
  s.sync_every_backward = o.kind == ScheduleKind::pipedream;
  for (int w = 0; w < D; ++w)
    for (int j = 0; j < N; ++j) {
      s.actions[w].push_back(compute_action(ActionType::forward, 0, w, j));
      s.actions[w].push_back(compute_action(ActionType::backward, 0, w, j - (D - 1 - w)));
      if (s.sync_every_backward) {
        Action sync;
        sync.type = ActionType::gradient_sync, sync.stage = w, sync.micro_batch = j - (D - 1 - w);
        s.actions[w].push_back(sync);
      }
    }
  if (!s.sync_every_backward) insert_syncs_after_last_backward(s);
  add_send_recv(s);
  return s;
}

}  // namespace chimera
