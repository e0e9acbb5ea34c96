// The cost of per-link statistics: the same step-level ring all-reduce with collection off and
// on. Arg 0: GPUs on one NVSwitch-like board (a100 figures, contention on); arg 1: 0 = off,
// 1 = on. Also the cost of loading big generated platforms (the 1024-GPU cluster).
#include <benchmark/benchmark.h>

#include "actors/simulate.hpp"
#include "bench/fork_run.hpp"
#include "bench/collective_programs.hpp"
#include "platforms/generator_registry.hpp"

namespace {

using namespace chimera;

std::uint64_t ring_allreduce(const std::string& xml, int gpus, bool link_stats) {
  SimulationOptions opt;
  opt.platform.generated_xml = xml;
  opt.platform.description = "bench";
  opt.link_stats = link_stats;
  std::vector<Program> programs = bench::ring_allreduce_programs(gpus, 1 << 30);
  SimulationResult res = simulate(programs, opt);
  if (link_stats && (!res.link_stats || res.link_stats->communications != res.messages_sent)) std::abort();
  return res.messages_sent;
}

void BM_RingAllReduceLinkStats(benchmark::State& state) {
  const int gpus = static_cast<int>(state.range(0));
  const bool on = state.range(1) != 0;
  // A cluster of 8-GPU nodes above 8 GPUs, so routes have several links (NVLink or NIC + switch).
  std::string xml = gpus <= 8 ? generate_from_cli("nvswitch", {"--gpus", std::to_string(gpus)}).xml
                              : generate_from_cli("cluster", {"--nodes", std::to_string(gpus / 8)}).xml;
  std::uint64_t messages = 0;
  double seconds = 0;
  for (auto _ : state) {
    auto r = bench::run_in_child([&] { return ring_allreduce(xml, gpus, on); });
    state.SetIterationTime(r.seconds);
    messages += r.count;
    seconds += r.seconds;
  }
  state.counters["comms_per_s"] = benchmark::Counter(double(messages) / seconds);
}

BENCHMARK(BM_RingAllReduceLinkStats)
    ->Args({8, 0})
    ->Args({8, 1})
    ->Args({64, 0})
    ->Args({64, 1})
    ->Args({256, 0})
    ->Args({256, 1})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3);
BENCHMARK(BM_RingAllReduceLinkStats)->Args({1024, 0})->Args({1024, 1})->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(1);

// Loading (and sealing) a generated cluster: arg = GPUs.
void BM_LoadCluster(benchmark::State& state) {
  const int gpus = static_cast<int>(state.range(0));
  std::string xml = generate_from_cli("cluster", {"--nodes", std::to_string(gpus / 8)}).xml;
  for (auto _ : state) {
    auto r = bench::run_in_child([&] {
      SimulationOptions opt;
      opt.platform.generated_xml = xml;
      opt.platform.description = "bench";
      Simulation sim(opt, gpus);
      return static_cast<std::uint64_t>(sim.ranks());
    });
    state.SetIterationTime(r.seconds);
  }
  state.counters["xml_MB"] = benchmark::Counter(xml.size() / 1e6);
}

BENCHMARK(BM_LoadCluster)->Arg(1024)->Arg(16384)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace
