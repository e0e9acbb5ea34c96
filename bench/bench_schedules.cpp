// Pipeline schedules at D = 32 stages, N = 256 micro-batches: generation, validation (the
// Boost.Graph dependency graph: cycle check and topological order), the unit-time executor,
// lowering to programs, and the simulation of those programs on SimGrid (forked child).
#include <benchmark/benchmark.h>

#include <set>

#include "actors/simulate.hpp"
#include "bench/fork_run.hpp"
#include "platforms/star_generator.hpp"
#include "workloads/step/training_step.hpp"
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

// The lowering of `model` under `plan` and `schedule` on the fixed cost model.
TrainingStep lower(const ModelSpec& model, const ParallelPlan& plan, ScheduleOptions schedule, StepOptions options = {}) {
  static FixedCost cost;
  StepInput in;
  in.model = model;
  in.layout = StepLayout::uniform(plan, model.micro_batch);
  in.schedule = schedule;
  in.schedule.micro_batches = plan.micro_batches;
  in.options = options;
  LayerSharding shard;
  shard.tp = plan.tp, shard.ep = plan.ep, shard.cp = plan.sp;
  shard.sequence_parallel = options.sequence_parallel;
  KernelCosts costs(model, shard, [](int) -> const ComputeCostModel& { return cost; }, [&](int) { return model.micro_batch; });
  in.costs = &costs;
  return lower_training_step(in);
}

TrainingStep lower_gpt2_64(int kind) {
  ParallelPlan plan;
  plan.pp = kStages, plan.micro_batches = kMicroBatches;
  StepOptions o;
  o.overlap_grad_reduce = false;
  return lower(load_zoo_model("gpt2-64"), plan, options(kind), o);
}

void BM_PipelineLowering(benchmark::State& state) {
  std::size_t ops = 0;
  for (auto _ : state) {
    TrainingStep l = lower_gpt2_64(static_cast<int>(state.range(0)));
    ops = 0;
    for (const Program& p : l.programs) ops += p.ops().size();
  }
  state.counters["ops"] = double(ops);
  label(state);
}

// Llama-3 405B on 16,384 ranks (TP 8, PP 16, DP 128, 16 micro-batches of 8192 tokens, 1F1B,
// sequence parallel): lowering time and program size. Ranks of one worker share one op list,
// so the op lists hold 16 x the ops of one rank; per-rank bindings are small.
void BM_LoweringLlama405b16k(benchmark::State& state) {
  ParallelPlan plan;
  plan.tp = 8, plan.pp = 16, plan.dp = 128, plan.micro_batches = 16;
  StepOptions o;
  o.sequence_parallel = true;
  o.overlap_grad_reduce = false;
  ScheduleOptions s;
  s.kind = ScheduleKind::one_f_one_b;
  std::size_t ops = 0, distinct = 0, roles = 0, slots = 0;
  for (auto _ : state) {
    TrainingStep l = lower(load_zoo_model("llama3-405b"), plan, s, o);
    ops = distinct = slots = 0;
    std::set<const ProgramBody*> bodies;
    for (const Program& p : l.programs) {
      ops += p.ops().size();
      slots += p.groups.size() + p.peers.size();
      if (bodies.insert(p.body.get()).second) distinct += p.ops().size();
    }
    roles = l.roles;
  }
  state.counters["ranks"] = 16384;
  state.counters["roles"] = double(roles);
  state.counters["ops_executed"] = double(ops);
  state.counters["ops_stored"] = double(distinct);
  state.counters["bound_slots"] = double(slots);
}

void BM_PipelineSimulation(benchmark::State& state) {
  const int kind = static_cast<int>(state.range(0));
  std::uint64_t ops = 0;
  double seconds = 0;
  for (auto _ : state) {
    auto r = bench::run_in_child([&] {
      TrainingStep l = lower_gpt2_64(kind);
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
BENCHMARK(BM_LoweringLlama405b16k)->Unit(benchmark::kSecond)->Iterations(1);
BENCHMARK(BM_PipelineSimulation)->DenseRange(0, 4)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(2);

}  // namespace
