// Simulated communications per second: one ring all-reduce over n GPUs of a star platform,
// step-level (2(n-1) rounds of n messages).
#include <benchmark/benchmark.h>

#include "actors/simulate.hpp"
#include "bench/fork_run.hpp"
#include "bench/collective_programs.hpp"
#include "platforms/star_generator.hpp"

namespace {

using namespace chimera;

std::uint64_t ring_allreduce_messages(int gpus, double bytes) {
  StarParams star;
  star.gpus = gpus;
  SimulationOptions opt;
  opt.platform.generated_xml = star_platform_xml(star);
  opt.platform.description = "star";
  std::vector<Program> programs = bench::ring_allreduce_programs(gpus, bytes);
  return simulate(programs, opt).messages_sent;
}

void BM_RingAllReduceStepLevel(benchmark::State& state) {
  const int gpus = static_cast<int>(state.range(0));
  std::uint64_t messages = 0;
  double seconds = 0;
  for (auto _ : state) {
    auto r = bench::run_in_child([&] { return ring_allreduce_messages(gpus, 1 << 30); });
    state.SetIterationTime(r.seconds);
    messages += r.count;
    seconds += r.seconds;
  }
  state.counters["comms_per_s"] = benchmark::Counter(double(messages) / seconds);
  state.counters["comms"] = benchmark::Counter(double(messages) / double(state.iterations()));
}

BENCHMARK(BM_RingAllReduceStepLevel)->Arg(64)->Arg(1024)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace
