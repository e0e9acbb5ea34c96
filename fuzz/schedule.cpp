// Pipeline schedule options (study/scenario_schedule.cpp, workloads/schedules): a scenario's
// [schedule] table checked against [parallel] pp / micro_batches and [model] (a zoo name or
// shape keys; 1024 layers when absent). Options the parser accepts must generate a schedule
// that validates and runs with unit times (for sizes a fuzz iteration can afford); an
// InvalidSchedule or a std::invalid_argument from the generators is a finding.
#include <fmt/format.h>

#include "study/scenario_schedule.hpp"
#include "common/toml_reader.hpp"
#include "fuzz/fuzz_util.hpp"
#include "workloads/schedules/unit_executor.hpp"
#include "workloads/schedules/validate.hpp"

namespace {
constexpr long kMaxActions = 20000;  // F+B per schedule, bounded so one input stays fast
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace chimera;
  fuzz::expect_clean([&] {
    TomlTable root = TomlTable::parse_string(fuzz::text(data, size), "schedule.toml");
    TomlTable parallel = root.require_table("parallel", "[parallel] with pp and micro_batches");
    ParallelPlan plan;
    if (auto v = parallel.positive_integer("pp")) plan.pp = static_cast<int>(*v);
    if (auto v = parallel.positive_integer("micro_batches")) plan.micro_batches = static_cast<int>(*v);
    ModelSpec model;
    model.layers = 1024;
    if (auto m = root.table("model")) model = read_model_spec(*m);
    TomlTable table = root.require_table("schedule", "[schedule]");
    PipelineSpec spec = read_schedule_table(table, parallel, plan, model);

    const ScheduleOptions o = schedule_options_for(plan, spec.schedule);
    const long pipes = o.kind == ScheduleKind::chimera ? 2L * o.pipes_per_direction : 2;
    if (long(o.stages) * o.chunks * o.micro_batches * pipes > kMaxActions) return;
    try {
      PipelineSchedule s = make_schedule(o);
      ScheduleGraph g = build_schedule_graph(s);
      UnitTimes t;
      if (o.kind == ScheduleKind::zb_h1) t.backward = 1, t.weight = 1;
      ScheduleTimeline timeline = execute_unit_time(s, g, t);
      if (!(timeline.iteration_time > 0)) fuzz::finding("a schedule that takes no time", describe(o));
    } catch (const std::exception& e) {
      fuzz::finding("options the parser accepts do not make a valid schedule", fmt::format("{}: {}", describe(o), e.what()));
    }
  });
  return 0;
}
