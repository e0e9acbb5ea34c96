// Chimera (Li & Hoefler, SC'21): bidirectional pipelines, as the authors' code runs them
// (shared/reference/pipeline-schedules.md §2).
//
// One pipe per direction: the per-worker order of §2.2 (a, b, P, Q), repeated K = N/D times
// with the previous unit's tail backwards interleaved backward-first with the next unit's
// leading forwards (direct concatenation, §2.6a), or the doubled units of §2.6b. Micro-batches
// are assigned FIFO per (worker, direction). Gradient syncs follow ChimeraBk's steady state
// (§2.7): the eager sync of the Q stage when its index > D/2, the rest after the tail.
//
// f pipes per direction (§2.8): stage maps shifted by bit-reversed multiples of D/f, every op
// placed by the unit-time slot rule (forward of micro-batch j at stage s in slot s + 2j,
// backward in slot 2D - 1 - s + 2j), unit k offset by 2Dk slots; syncs after the schedule in
// decreasing stage order (the reference code leaves multi-pipe sync placement open).
#include <fmt/format.h>

#include <map>
#include <stdexcept>

#include "workloads/schedules/generator_util.hpp"

namespace chimera {

using namespace schedule_detail;

namespace {

int bit_reverse(int i, int bits) {
  int r = 0;
  for (int b = 0; b < bits; ++b)
    if ((i >> b) & 1) r |= 1 << (bits - 1 - b);
  return r;
}

// Pipes 0..f-1 go down, f..2f-1 go up. Micro-batch ids: unit k, pipe q, j-th of the pipe's
// D/(2f) per unit -> kD + q*D/(2f) + j (for f = 1: down kD..kD+D/2-1, up kD+D/2..kD+D-1).
// Forward doubling groups two units: doubled unit u holds down 2uD..2uD+D-1, up the next D.
PipelineSchedule chimera_frame(const ScheduleOptions& o) {
  const int D = o.stages, f = o.pipes_per_direction, K = o.micro_batches / D;
  int bits = 0;
  while ((1 << bits) < f) ++bits;
  PipelineSchedule s;
  s.options = o;
  s.workers = D;
  s.stage_count = D;
  s.actions.resize(D);
  const int per_unit = D / (2 * f);
  for (int q = 0; q < 2 * f; ++q) {
    Pipe p;
    const bool down = q < f;
    p.tag = down ? 'd' : 'u';
    const int shift = bit_reverse(q % f, bits) * (D / f);
    for (int st = 0; st < D; ++st) p.worker_of_stage.push_back(((down ? st : D - 1 - st) + shift) % D);
    if (o.extend == ChimeraExtend::doubling) {
      for (int u = 0; u < K / 2; ++u)
        for (int j = 0; j < D; ++j) p.micro_batches.push_back(2 * u * D + (down ? 0 : D) + j);
    } else {
      for (int k = 0; k < K; ++k)
        for (int j = 0; j < per_unit; ++j) p.micro_batches.push_back(k * D + q * per_unit + j);
    }
    s.pipes.push_back(std::move(p));
  }
  return s;
}

Action sync_action(int stage) {
  Action a;
  a.type = ActionType::gradient_sync, a.stage = stage;
  return a;
}

// The §2.2 order for one pipe per direction (pipe 0 = down, 1 = up).
PipelineSchedule chimera_two_pipes(const ScheduleOptions& o) {
  const int D = o.stages, h = D / 2, K = o.micro_batches / D;
  PipelineSchedule s = chimera_frame(o);
  for (int w = 0; w < D; ++w) {
    const int a = w < h ? h - w : w - h + 1, b = h - a;
    const int P = w < h ? 0 : 1, Q = 1 - P;
    std::vector<std::pair<ActionType, int>> seq;  // (F or B, pipe)
    auto rep = [&](int times, std::initializer_list<std::pair<ActionType, int>> group) {
      for (int i = 0; i < times; ++i) seq.insert(seq.end(), group);
    };
    const auto F = ActionType::forward, B = ActionType::backward;
    if (o.extend == ChimeraExtend::concat) {
      for (int k = 0; k < K; ++k) {
        if (k == 0) rep(a, {{F, P}});
        else rep(a, {{B, P}, {F, P}});
        rep(b, {{F, Q}, {F, P}});
        rep(a, {{F, Q}, {B, Q}});
        rep(b, {{B, P}, {B, Q}});
      }
    } else {
      const int c = b + h;
      for (int u = 0; u < K / 2; ++u) {
        if (u == 0) rep(a, {{F, P}, {F, P}});
        else rep(a, {{B, P}, {F, P}, {F, P}});
        rep(b, {{F, Q}, {F, Q}, {F, P}, {F, P}});
        rep(a, {{F, Q}, {F, Q}, {B, Q}});
        rep(c, {{B, P}, {B, Q}});
      }
    }
    // Micro-batches FIFO per (direction, F/B).
    std::map<std::pair<ActionType, int>, std::size_t> next;
    auto& l = s.actions[w];
    auto emit = [&](ActionType t, int pipe) {
      const Pipe& p = s.pipes[pipe];
      const int stage = pipe == 0 ? w : D - 1 - w;
      l.push_back(compute_action(t, pipe, stage, p.micro_batches.at(next[{t, pipe}]++)));
    };
    for (auto [t, pipe] : seq) emit(t, pipe);
    const int p_stage = P == 0 ? w : D - 1 - w, q_stage = Q == 0 ? w : D - 1 - w;
    if (q_stage > h) l.push_back(sync_action(q_stage));  // eager: the back half of the model is done
    for (int i = 0; i < a; ++i) emit(B, P);               // the tail
    if (q_stage > h) {
      l.push_back(sync_action(p_stage));
    } else {  // a middle worker: stage D/2 first, on both members of each group
      l.push_back(sync_action(h));
      l.push_back(sync_action(h - 1));
    }
  }
  add_send_recv(s);
  return s;
}

}  // namespace

PipelineSchedule make_chimera_by_slots(const ScheduleOptions& o) {
  if (auto p = check_schedule_options(o)) throw std::invalid_argument(p->option + ": " + p->problem);
  if (o.kind != ScheduleKind::chimera || o.extend != ChimeraExtend::concat)
    throw std::invalid_argument("the slot rule describes chimera with direct concatenation");
  const int D = o.stages, f = o.pipes_per_direction, per_unit = D / (2 * f);
  PipelineSchedule s = chimera_frame(o);
  std::vector<std::map<int, Action>> slots(D);
  for (int q = 0; q < 2 * f; ++q) {
    const Pipe& p = s.pipes[q];
    for (int i = 0; i < static_cast<int>(p.micro_batches.size()); ++i) {
      const int k = i / per_unit, j = i % per_unit;
      for (int st = 0; st < D; ++st) {
        const int w = p.worker_of_stage[st];
        const int f_slot = st + 2 * j + 2 * D * k, b_slot = 2 * D - 1 - st + 2 * j + 2 * D * k;
        for (auto [t, slot] : {std::pair{ActionType::forward, f_slot}, std::pair{ActionType::backward, b_slot}}) {
          if (!slots[w].emplace(slot, compute_action(t, q, st, p.micro_batches[i])).second)
            throw std::logic_error(fmt::format("chimera slot rule: two ops in slot {} on worker {} (D={}, f={})", slot,
                                               w, D, f));
        }
      }
    }
  }
  for (int w = 0; w < D; ++w) {
    for (auto& [slot, a] : slots[w]) s.actions[w].push_back(a);
    auto held = s.stages_of(w);
    for (auto it = held.rbegin(); it != held.rend(); ++it) s.actions[w].push_back(sync_action(*it));
  }
  add_send_recv(s);
  return s;
}

PipelineSchedule make_chimera(const ScheduleOptions& o) {
  if (o.pipes_per_direction == 1) return chimera_two_pipes(o);
  return make_chimera_by_slots(o);
}

}  // namespace chimera
