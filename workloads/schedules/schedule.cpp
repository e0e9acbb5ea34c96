#include "workloads/schedules/schedule.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <tuple>
#include <stdexcept>

namespace chimera {

namespace {
struct KindName {
  ScheduleKind kind;
  const char* name;
};
constexpr KindName kKinds[] = {{ScheduleKind::gpipe, "gpipe"},
                               {ScheduleKind::one_f_one_b, "1f1b"},
                               {ScheduleKind::interleaved, "interleaved"},
                               {ScheduleKind::chimera, "chimera"},
                               {ScheduleKind::zb_h1, "zb-h1"},
                               {ScheduleKind::gems, "gems"},
                               {ScheduleKind::pipedream, "pipedream"},
                               {ScheduleKind::pipedream_2bw, "pipedream-2bw"}};

bool is_power_of_two(int x) { return x > 0 && (x & (x - 1)) == 0; }
}  // namespace

const char* const kScheduleKindChoices = "gpipe, 1f1b, interleaved, chimera, zb-h1, gems, pipedream, pipedream-2bw";

const char* to_string(ScheduleKind k) {
  for (const auto& e : kKinds)
    if (e.kind == k) return e.name;
  return "?";
}

const char* to_string(ChimeraExtend e) { return e == ChimeraExtend::concat ? "concat" : "doubling"; }

std::optional<ScheduleKind> parse_schedule_kind(const std::string& s) {
  for (const auto& e : kKinds)
    if (s == e.name) return e.kind;
  return std::nullopt;
}

std::optional<ChimeraExtend> parse_chimera_extend(const std::string& s) {
  if (s == "concat") return ChimeraExtend::concat;
  if (s == "doubling") return ChimeraExtend::doubling;
  return std::nullopt;
}

bool is_compute(ActionType t) {
  return t == ActionType::forward || t == ActionType::backward || t == ActionType::weight;
}

bool is_transfer(ActionType t) {
  return t == ActionType::send_activation || t == ActionType::recv_activation || t == ActionType::send_gradient ||
         t == ActionType::recv_gradient;
}

std::optional<ScheduleOptionProblem> check_schedule_options(const ScheduleOptions& o) {
  const int D = o.stages, N = o.micro_batches;
  if (D < 1) return ScheduleOptionProblem{"stages", fmt::format("{} stages", D), "an integer >= 1"};
  if (N < 1) return ScheduleOptionProblem{"micro_batches", fmt::format("{} micro-batches", N), "an integer >= 1"};
  if (o.chunks < 1) return ScheduleOptionProblem{"chunks", fmt::format("{} chunks", o.chunks), "an integer >= 1"};
  if (o.pipes_per_direction < 1)
    return ScheduleOptionProblem{"pipes_per_direction", fmt::format("{} pipes", o.pipes_per_direction), "an integer >= 1"};
  const bool chimera = o.kind == ScheduleKind::chimera;
  if (o.kind != ScheduleKind::interleaved && o.chunks != 1)
    return ScheduleOptionProblem{"chunks", fmt::format("chunks = {} but only the interleaved schedule has model chunks", o.chunks),
                                 "chunks = 1, or kind = interleaved"};
  if (!chimera && o.pipes_per_direction != 1)
    return ScheduleOptionProblem{"pipes_per_direction", "pipes per direction apply to chimera only",
                                 "pipes_per_direction = 1, or kind = chimera"};
  if (!chimera && o.extend != ChimeraExtend::concat)
    return ScheduleOptionProblem{"extend", "forward doubling applies to chimera only", "concat, or kind = chimera"};
  if (o.kind == ScheduleKind::interleaved) {
    if (o.chunks < 2)
      return ScheduleOptionProblem{"chunks", fmt::format("interleaved needs at least 2 chunks per worker (got {})", o.chunks),
                                   "chunks >= 2 (chunks = 1 is plain 1f1b)"};
    if (N % D != 0)
      return ScheduleOptionProblem{"micro_batches",
                                   fmt::format("interleaved 1F1B (Megatron, group size = stages) needs micro-batches "
                                               "divisible by the {} stages (got {})", D, N),
                                   fmt::format("a multiple of {}", D)};
  }
  if ((o.kind == ScheduleKind::pipedream || o.kind == ScheduleKind::pipedream_2bw) && N < D)
    return ScheduleOptionProblem{"micro_batches",
                                 fmt::format("{}'s steady state needs at least as many micro-batches as the {} stages "
                                             "(got {})", to_string(o.kind), D, N),
                                 fmt::format("an integer >= {}", D)};
  if (chimera) {
    if (D < 2 || D % 2 != 0)
      return ScheduleOptionProblem{"stages", fmt::format("chimera needs an even number of stages (got {})", D),
                                   "an even number >= 2"};
    const int f = o.pipes_per_direction;
    if (!is_power_of_two(f) || (D / 2) % f != 0)
      return ScheduleOptionProblem{"pipes_per_direction",
                                   fmt::format("{} pipes per direction with {} stages", f, D),
                                   fmt::format("a power of two dividing D/2 = {}", D / 2)};
    if (N % D != 0)
      return ScheduleOptionProblem{"micro_batches",
                                   fmt::format("chimera needs micro-batches per worker to be a multiple of the {} "
                                               "stages (N = K*D; got {})", D, N),
                                   fmt::format("a multiple of {}", D)};
    if (o.extend == ChimeraExtend::doubling) {
      if (f != 1)
        return ScheduleOptionProblem{"extend", "forward doubling is defined for one pipe per direction",
                                     "extend = concat, or pipes_per_direction = 1"};
      if (N % (2 * D) != 0)
        return ScheduleOptionProblem{"micro_batches",
                                     fmt::format("forward doubling needs an even number of basic units (N = K*D, K even); "
                                                 "got N = {} with D = {}", N, D),
                                     fmt::format("a multiple of {}", 2 * D)};
    }
  }
  return std::nullopt;
}

std::vector<int> PipelineSchedule::stages_of(int worker) const {
  std::set<int> s;
  for (const Pipe& p : pipes)
    for (int st = 0; st < static_cast<int>(p.worker_of_stage.size()); ++st)
      if (p.worker_of_stage[st] == worker) s.insert(st);
  return {s.begin(), s.end()};
}

std::vector<int> PipelineSchedule::workers_of_stage(int stage) const {
  std::set<int> w;
  for (const Pipe& p : pipes) w.insert(p.worker_of_stage.at(stage));
  return {w.begin(), w.end()};
}

std::size_t PipelineSchedule::action_count() const {
  std::size_t n = 0;
  for (const auto& l : actions) n += l.size();
  return n;
}

int weight_versions(const PipelineSchedule& s, int worker) {
  switch (s.options.kind) {
    case ScheduleKind::pipedream: return s.workers - worker;
    case ScheduleKind::pipedream_2bw: return 2;
    default: return 1;
  }
}

std::string worker_name(int worker) { return fmt::format("P{}", worker); }

std::string describe(const ScheduleOptions& o) {
  std::string s = fmt::format("{} D={} N={}", to_string(o.kind), o.stages, o.micro_batches);
  if (o.kind == ScheduleKind::interleaved) s += fmt::format(" (v={})", o.chunks);
  if (o.kind == ScheduleKind::chimera) s += fmt::format(" (f={}, {})", o.pipes_per_direction, to_string(o.extend));
  return s;
}

namespace {

std::string compute_label(const PipelineSchedule& s, char letter, int pipe, int stage, int mb) {
  const Pipe& p = s.pipes.at(pipe);
  if (s.steady_state && mb < 0) return fmt::format("{}{}'", letter, mb + s.options.micro_batches);  // previous period
  if (p.tag) return fmt::format("{}{}{}{}", letter, mb, p.tag, stage);
  if (s.options.kind == ScheduleKind::interleaved) return fmt::format("{}{}s{}", letter, mb, stage);
  return fmt::format("{}{}", letter, mb);
}

}  // namespace

std::string action_label(const PipelineSchedule& s, const Action& a) {
  switch (a.type) {
    case ActionType::forward: return compute_label(s, 'F', a.pipe, a.stage, a.micro_batch);
    case ActionType::backward: return compute_label(s, 'B', a.pipe, a.stage, a.micro_batch);
    case ActionType::weight: return compute_label(s, 'W', a.pipe, a.stage, a.micro_batch);
    case ActionType::send_activation:
      return fmt::format("send {}->{}", compute_label(s, 'F', a.pipe, a.stage, a.micro_batch), worker_name(a.peer));
    case ActionType::recv_activation:
      return fmt::format("recv {}<-{}", compute_label(s, 'F', a.pipe, a.stage, a.micro_batch), worker_name(a.peer));
    case ActionType::send_gradient:
      return fmt::format("send {}->{}", compute_label(s, 'B', a.pipe, a.stage, a.micro_batch), worker_name(a.peer));
    case ActionType::recv_gradient:
      return fmt::format("recv {}<-{}", compute_label(s, 'B', a.pipe, a.stage, a.micro_batch), worker_name(a.peer));
    case ActionType::gradient_sync: return fmt::format("sync s{}", a.stage);
  }
  return "?";
}

void add_send_recv(PipelineSchedule& s) {
  const int last = s.stage_count - 1;
  // Steady-state schedules: a transfer only when both ends run in this period.
  std::set<std::tuple<ActionType, int, int, int>> present;
  if (s.steady_state)
    for (const auto& l : s.actions)
      for (const Action& a : l) present.insert({a.type, a.pipe, a.stage, a.micro_batch});
  auto here = [&](ActionType t, int pipe, int stage, int mb) {
    return !s.steady_state || present.count({t, pipe, stage, mb}) > 0;
  };
  for (int w = 0; w < s.workers; ++w) {
    std::vector<Action> out;
    out.reserve(s.actions[w].size() * 2);
    for (const Action& a : s.actions[w]) {
      const auto& map = s.pipes.at(a.pipe).worker_of_stage;
      auto transfer = [&](ActionType t, int data_stage, int peer) {
        Action x;
        x.type = t, x.pipe = a.pipe, x.stage = data_stage, x.micro_batch = a.micro_batch, x.peer = peer;
        out.push_back(x);
      };
      if (a.type == ActionType::forward) {
        if (a.stage > 0 && map[a.stage - 1] != w && here(a.type, a.pipe, a.stage - 1, a.micro_batch))
          transfer(ActionType::recv_activation, a.stage - 1, map[a.stage - 1]);
        out.push_back(a);
        if (a.stage < last && map[a.stage + 1] != w && here(a.type, a.pipe, a.stage + 1, a.micro_batch))
          transfer(ActionType::send_activation, a.stage, map[a.stage + 1]);
      } else if (a.type == ActionType::backward) {
        if (a.stage < last && map[a.stage + 1] != w && here(a.type, a.pipe, a.stage + 1, a.micro_batch))
          transfer(ActionType::recv_gradient, a.stage + 1, map[a.stage + 1]);
        out.push_back(a);
        if (a.stage > 0 && map[a.stage - 1] != w && here(a.type, a.pipe, a.stage - 1, a.micro_batch))
          transfer(ActionType::send_gradient, a.stage, map[a.stage - 1]);
      } else {
        out.push_back(a);
      }
    }
    s.actions[w] = std::move(out);
  }
}

PipelineSchedule make_schedule(const ScheduleOptions& o) {
  if (auto p = check_schedule_options(o)) throw std::invalid_argument(p->option + ": " + p->problem);
  switch (o.kind) {
    case ScheduleKind::gpipe: return make_gpipe(o);
    case ScheduleKind::one_f_one_b: return make_1f1b(o);
    case ScheduleKind::zb_h1: return make_zb_h1(o);
    case ScheduleKind::interleaved: return make_interleaved(o);
    case ScheduleKind::chimera: return make_chimera(o);
    case ScheduleKind::gems: return make_gems(o);
    case ScheduleKind::pipedream:
    case ScheduleKind::pipedream_2bw: return make_pipedream(o);
  }
  throw std::invalid_argument("unknown schedule kind");
}

}  // namespace chimera
