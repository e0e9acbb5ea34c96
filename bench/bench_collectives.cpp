// Simulated collectives per second: one collective over n GPUs of a star platform (50 GB/s
// split-duplex ports), step-level vs aggregated. Each run is a fresh engine in a forked child;
// the reported time is the child's wall time.
#include <benchmark/benchmark.h>

#include "actors/simulate.hpp"
#include "bench/collective_programs.hpp"
#include "bench/fork_run.hpp"
#include "platforms/star_generator.hpp"

namespace {

using namespace chimera;

std::uint64_t one_collective(CollectiveKind kind, int gpus, double bytes, Granularity g) {
  StarParams star;
  star.gpus = gpus;
  star.port_bandwidth_Bps = 50e9;
  SimulationOptions opt;
  opt.platform.generated_xml = star_platform_xml(star);
  opt.platform.description = "star";
  opt.collectives.granularity = g;
  const CollectiveAlgorithm algo =
      kind == CollectiveKind::all_to_all ? CollectiveAlgorithm::direct : CollectiveAlgorithm::ring;
  std::vector<Program> programs = bench::collective_programs(gpus, kind, algo, bytes);
  simulate(programs, opt);
  return 1;
}

void run(benchmark::State& state, CollectiveKind kind, Granularity g) {
  const int gpus = static_cast<int>(state.range(0));
  double seconds = 0;
  std::uint64_t collectives = 0;
  for (auto _ : state) {
    auto r = bench::run_in_child([&] { return one_collective(kind, gpus, 64.0 * 1024 * 1024, g); });
    state.SetIterationTime(r.seconds);
    seconds += r.seconds;
    collectives += r.count;
  }
  state.counters["collectives_per_s"] = benchmark::Counter(double(collectives) / seconds);
}

void BM_RingAllReduceStep(benchmark::State& s) { run(s, CollectiveKind::all_reduce, Granularity::step); }
void BM_RingAllReduceAggregated(benchmark::State& s) { run(s, CollectiveKind::all_reduce, Granularity::aggregated); }
void BM_AllToAllStep(benchmark::State& s) { run(s, CollectiveKind::all_to_all, Granularity::step); }
void BM_AllToAllAggregated(benchmark::State& s) { run(s, CollectiveKind::all_to_all, Granularity::aggregated); }

BENCHMARK(BM_RingAllReduceStep)->Arg(8)->Arg(64)->Arg(512)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_RingAllReduceAggregated)->Arg(8)->Arg(64)->Arg(512)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_AllToAllStep)->Arg(64)->Arg(256)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK(BM_AllToAllAggregated)->Arg(64)->Arg(256)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace
