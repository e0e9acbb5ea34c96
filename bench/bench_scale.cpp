// Issue 15's scale targets that a benchmark can time in seconds: building a generated cluster
// platform (16,384 GPUs through S4U; the XML round trip at 1,024 GPUs for comparison) and the
// 1 MiB step-level ring all-reduce on 512 and 1,024 ranks of platforms/cluster-h100-1024.xml.
// Whole training steps (GPT-3 175B on 1,024 GPUs, Llama 3 405B on 8,192 and 16,384) take
// minutes: README.md "Speed" gives their end-to-end commands and figures.
#include <benchmark/benchmark.h>

#include <simgrid/s4u/Engine.hpp>

#include "actors/simulate.hpp"
#include "bench/collective_programs.hpp"
#include "bench/fork_run.hpp"
#include "platforms/cluster_generator.hpp"
#include "platforms/network_settings.hpp"
#include "platforms/platform_loader.hpp"

namespace {

using namespace chimera;

ClusterParams h100_cluster(int nodes) {
  ClusterParams p;
  p.nodes = nodes;
  p.nvswitch.gpus = 8;
  p.nvswitch.port_bandwidth_Bps = 450e9;
  p.nvswitch.host_preset = "h100";
  return p;
}

// Generates the cluster's zone tree and loads it (S4U, or the XML round trip), sealed.
std::uint64_t load_cluster(int nodes, bool through_xml) {
  // The engine as a simulation configures it (CM02, platforms/network_settings.hpp).
  std::vector<std::string> args = {"bench", "--log=root.thresh:critical"};
  for (const auto& c : simgrid_config(NetworkSettings{})) args.push_back("--cfg=" + c);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int argc = static_cast<int>(args.size());
  simgrid::s4u::Engine engine(&argc, argv.data());
  PlatformSpec spec;
  spec.description = "cluster";
  auto zone = std::make_shared<const xml::Zone>(xml::expanded(cluster_platform_zone(h100_cluster(nodes))));
  if (through_xml) spec.generated_xml = xml::write_platform(*zone, "");
  else spec.generated_zone = zone;
  return load_platform(engine, spec, 0, NetworkSettings{}).hosts_in_order.size();
}

void BM_BuildClusterPlatform(benchmark::State& state) {
  const int nodes = static_cast<int>(state.range(0));
  const bool xml = state.range(1) != 0;
  for (auto _ : state) {
    auto r = bench::run_in_child([&] { return load_cluster(nodes, xml); });
    state.SetIterationTime(r.seconds);
    state.counters["gpus"] = double(r.count);
  }
  state.SetLabel(xml ? "xml round trip" : "s4u");
}
BENCHMARK(BM_BuildClusterPlatform)
    ->Args({2048, 0})
    ->Args({128, 0})
    ->Args({128, 1})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3);

void BM_RingAllReduce1MiBCluster(benchmark::State& state) {
  const int ranks = static_cast<int>(state.range(0));
  std::uint64_t messages = 0;
  for (auto _ : state) {
    auto r = bench::run_in_child([&] {
      SimulationOptions opt;
      opt.platform.xml_file = CHIMERA_SOURCE_DIR "/platforms/cluster-h100-1024.xml";
      opt.platform.description = "cluster-h100-1024";
      return simulate(bench::ring_allreduce_programs(ranks, 1 << 20), opt).messages_sent;
    });
    state.SetIterationTime(r.seconds);
    messages = r.count;
  }
  state.counters["messages"] = double(messages);
}
BENCHMARK(BM_RingAllReduce1MiBCluster)->Arg(512)->Arg(1024)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace
