#include "study/scenario_schedule.hpp"

#include <fmt/format.h>

namespace chimera {

PipelineSpec read_schedule_table(TomlTable& t, const TomlTable& parallel, const ParallelPlan& plan,
                                 const ModelSpec& model) {
  PipelineSpec spec;
  ScheduleOptions& o = spec.schedule;
  std::string kind = t.require_string("kind", kScheduleKindChoices);
  auto k = parse_schedule_kind(kind);
  if (!k) throw t.error("kind", fmt::format("unknown schedule '{}'", kind), kScheduleKindChoices);
  o.kind = *k;
  if (auto v = t.positive_integer("chunks")) o.chunks = static_cast<int>(*v);
  else if (o.kind == ScheduleKind::interleaved) o.chunks = 2;
  if (auto v = t.positive_integer("pipes_per_direction")) o.pipes_per_direction = static_cast<int>(*v);
  if (auto e = t.string("extend", "concat or doubling")) {
    auto x = parse_chimera_extend(*e);
    if (!x) throw t.error("extend", fmt::format("unknown extension '{}'", *e), "concat or doubling");
    o.extend = *x;
  }
  if (auto r = t.boolean("recompute")) spec.memory.recompute = *r;
  if (auto opt = t.string("optimizer", kOptimizerChoices))
    if (!parse_optimizer_kind(*opt, spec.memory.optimizer))
      throw t.error("optimizer", fmt::format("unknown optimizer '{}'", *opt), kOptimizerChoices);
  t.reject_unknown_keys();

  const ScheduleOptions full = schedule_options_for(plan, o);
  if (auto p = check_schedule_options(full)) {
    // Stages and micro-batches come from [parallel]; the rest from [schedule].
    if (p->option == "stages") throw parallel.error("pp", p->problem, p->valid);
    if (p->option == "micro_batches") throw parallel.error("micro_batches", p->problem, p->valid);
    throw t.error(p->option, p->problem, p->valid);
  }
  const int stages = full.stages * full.chunks;
  if (model.layers < stages) {
    std::string problem = fmt::format("{} pipeline stages{} for a model of {} layers", stages,
                                      full.chunks > 1 ? fmt::format(" ({} x {} chunks)", full.stages, full.chunks) : "",
                                      model.layers);
    if (full.chunks > 1) throw t.error("chunks", problem, "at most one stage per layer");
    throw parallel.error("pp", problem, fmt::format("pp <= {}", model.layers));
  }
  return spec;
}

}  // namespace chimera
