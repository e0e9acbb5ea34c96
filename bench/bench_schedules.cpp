// Pipeline schedules at D = 32 stages, N = 256 micro-batches: generation, validation (the
// Boost.Graph dependency graph: cycle check and topological order), the unit-time executor,
// lowering to programs, and the simulation of those programs on SimGrid (forked child).
#include <benchmark/benchmark.h>

#include "actors/simulate.hpp"
#include "bench/fork_run.hpp"
#include "platforms/star_generator.hpp"
#include "workloads/pipeline_lowering.hpp"
#include "workloads/schedules/schedule.hpp"
#include "workloads/schedules/unit_executor.hpp"
#include "workloads/schedules/validate.hpp"

namespace {

using namespace chimera;

constexpr int kStages = 32, kMicroBatches = 256;

ScheduleOptions options(int kind) {
  ScheduleOptions o;
  o.kind = static_cast<ScheduleKind>(kind);
  o.stages = kStages, o.micro_batches = kMicroBatches;
  if (o.kind == ScheduleKind::interleaved) o.chunks = 2;
  return o;
}

void label(benchmark::State& state) { state.SetLabel(to_string(static_cast<ScheduleKind>(state.range(0)))); }

void BM_ScheduleGenerate(benchmark::State& state) {
  std::size_t actions = 0;
  for (auto _ : state) {
    PipelineSchedule s = make_schedule(options(static_cast<int>(state.range(0))));
    actions = s.action_count();
    benchmark::DoNotOptimize(s);
  }
  state.counters["actions"] = double(actions);
  label(state);
}

void BM_ScheduleValidate(benchmark::State& state) {
  PipelineSchedule s = make_schedule(options(static_cast<int>(state.range(0))));
  for (auto _ : state) benchmark::DoNotOptimize(build_schedule_graph(s));
  state.counters["actions"] = double(s.action_count());
  label(state);
}

void BM_ScheduleUnitTime(benchmark::State& state) {
  PipelineSchedule s = make_schedule(options(static_cast<int>(state.range(0))));
  ScheduleGraph g = build_schedule_graph(s);
  UnitTimes t;
  t.weight = s.split_backward ? 1 : 0;
  for (auto _ : state) benchmark::DoNotOptimize(execute_unit_time(s, g, t));
  label(state);
}

// A 64-layer GPT-2 (the SC'21 model) with fixed per-GEMM costs: what is measured is the
// lowering and the engine, not the cost model.
struct FixedCost : ComputeCostModel {
  double gemm_seconds(std::int64_t, std::int64_t, std::int64_t, std::int64_t, int) const override { return 1e-4; }
  double elementwise_seconds(double) const override { return 1e-6; }
  std::string describe() const override { return "fixed"; }
};

PipelineLoweringInput lowering_input(int kind) {
  static FixedCost cost;
  PipelineLoweringInput in;
  in.model = load_zoo_model("gpt2-64");
  in.plan.pp = kStages, in.plan.micro_batches = kMicroBatches;
  in.pipeline.schedule = options(kind);
  in.cost_model_of = [](int) -> const ComputeCostModel& { return cost; };
  return in;
}

void BM_PipelineLowering(benchmark::State& state) {
  PipelineLoweringInput in = lowering_input(static_cast<int>(state.range(0)));
  std::size_t ops = 0;
  for (auto _ : state) {
    PipelineLowering l = lower_pipeline(in);
    ops = 0;
    for (const Program& p : l.programs) ops += p.ops().size();
  }
  state.counters["ops"] = double(ops);
  label(state);
}

void BM_PipelineSimulation(benchmark::State& state) {
  const int kind = static_cast<int>(state.range(0));
  std::uint64_t ops = 0;
  double seconds = 0;
  for (auto _ : state) {
    auto r = bench::run_in_child([&] {
      PipelineLowering l = lower_pipeline(lowering_input(kind));
      StarParams star;
      star.gpus = kStages;
      star.port_bandwidth_Bps = 25e9;
      SimulationOptions opt;
      opt.platform.generated_xml = star_platform_xml(star);
      opt.platform.description = "star";
      simulate(l.programs, opt);
      std::uint64_t n = 0;
      for (const Program& p : l.programs) n += p.ops().size();
      return n;
    });
    state.SetIterationTime(r.seconds);
    ops = r.count;
    seconds += r.seconds;
  }
  state.counters["ops"] = double(ops);
  state.counters["ops_per_s"] = benchmark::Counter(double(ops) * state.iterations() / seconds);
  label(state);
}

// Kinds: 0 gpipe, 1 1f1b, 2 interleaved (v = 2), 3 chimera, 4 zb-h1.
BENCHMARK(BM_ScheduleGenerate)->DenseRange(0, 4)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ScheduleValidate)->DenseRange(0, 4)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ScheduleUnitTime)->DenseRange(0, 4)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PipelineLowering)->DenseRange(0, 4)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_PipelineSimulation)->DenseRange(0, 4)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(2);

}  // namespace
