// Interleaved 1F1B (Megatron-LM, `forward_backward_pipelining_with_interleaving`): each of
// the D workers holds v model chunks with looping placement (stage c*D + w on worker w).
// Micro-batches go through the chunks in groups of g = D (Megatron's default
// microbatch_group_size_per_vp_stage): the schedule table lists (micro-batch, chunk) pairs
// group by group, chunk-major inside a group. Worker w runs 2(D-1-w) + (v-1)g warm-up
// forwards, then one forward and one backward at a time, then the remaining backwards;
// backwards walk the table with the chunks reversed.
#include <algorithm>
#include <utility>

#include "workloads/schedules/generator_util.hpp"

namespace chimera {

using namespace schedule_detail;

namespace {

// Megatron's get_schedule_table(num_microbatches, num_model_chunks, group size).
std::vector<std::pair<int, int>> schedule_table(int micro_batches, int chunks, int group) {
  std::vector<std::pair<int, int>> table;
  for (int lo = 0; lo < micro_batches; lo += group) {
    const int hi = lo + group >= micro_batches ? micro_batches : lo + group;
    for (int c = 0; c < chunks; ++c)
      for (int m = lo; m < hi; ++m) table.emplace_back(m, c);
  }
  return table;
}

}  // namespace

PipelineSchedule make_interleaved(const ScheduleOptions& o) {
  const int D = o.stages, N = o.micro_batches, v = o.chunks, g = D;
  std::vector<int> map(D * v);
  for (int st = 0; st < D * v; ++st) map[st] = st % D;
  PipelineSchedule s = single_pipe_schedule(o, std::move(map));
  const auto table = schedule_table(N, v, g);
  const int total = N * v;
  for (int w = 0; w < D; ++w) {
    auto& l = s.actions[w];
    auto fwd = [&](int k) {
      return compute_action(ActionType::forward, 0, table[k].second * D + w, table[k].first);
    };
    auto bwd = [&](int k) {
      return compute_action(ActionType::backward, 0, (v - 1 - table[k].second) * D + w, table[k].first);
    };
    const int warmup = std::min(2 * (D - 1 - w) + (v - 1) * g, total);
    for (int k = 0; k < warmup; ++k) l.push_back(fwd(k));
    for (int k = 0; k < total - warmup; ++k) {
      l.push_back(fwd(warmup + k));
      l.push_back(bwd(k));
    }
    for (int k = total - warmup; k < total; ++k) l.push_back(bwd(k));
  }
  insert_syncs_after_last_backward(s);
  add_send_recv(s);
  return s;
}

}  // namespace chimera
