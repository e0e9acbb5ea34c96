// Wall time of the Metis plan search (planner/), on the fork's synthetic profiles and
// hostfiles, built in memory so the benchmark needs no data files:
//   row 1: 10 layers, hostfile-16 (16 A100 + 16 V100), G = 128 (the course paper: ~90 ms in Python)
//   20 layers on hostfile-32 and hostfile-64; 40 layers on hostfile-128 (128 + 128 GPUs).
// Run: build/bench/chimera-bench --benchmark_filter=Metis
#include <benchmark/benchmark.h>

#include "planner/metis_search.hpp"
#include "planner/metis_synth.hpp"

namespace {

using namespace chimera::metis;

// The fork's clusterfile.json.
const char* kClusterFile = R"({
  "0.0.0.1": {"instance_type": "V100", "inter_bandwidth": 10, "intra_bandwidth": 50, "memory": 16},
  "0.0.0.2": {"instance_type": "P100", "inter_bandwidth": 10, "intra_bandwidth": 50, "memory": 15},
  "0.0.0.3": {"instance_type": "T4", "inter_bandwidth": 10, "intra_bandwidth": 50, "memory": 15},
  "0.0.0.4": {"instance_type": "A100", "inter_bandwidth": 10, "intra_bandwidth": 46, "memory": 80}
})";

struct Setup {
  Setup(int hostfile_n, int layers, bool compat, Strategy strategy) {
    options.layers = layers;
    options.global_batch = 128;
    options.strategy = strategy;
    options.quirks = compat ? Quirks::all() : Quirks::none();
    options.type_order = {"A100", "V100"};
    cluster = make_cluster(parse_hostfile(generate_hostfile(hostfile_n), "hostfile", compat), "hostfile",
                           parse_cluster_file(kClusterFile, "clusterfile.json"), "clusterfile.json",
                           options.type_order, compat);
    profiles = synthetic_profile_set(layers, 128);
    constants = model_constants(profiles, "A100_tp32_bs32", options.quirks.optimizer_doubled);
  }
  SearchOptions options;
  Cluster cluster;
  ProfileSet profiles;
  ModelConstants constants;
};

// Args: hostfile n, layers, compat (1/0), strategy (0 metis, 1 headroom).
void BM_MetisSearch(benchmark::State& state) {
  Setup s(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)), state.range(2) != 0,
          state.range(3) == 0 ? Strategy::metis : Strategy::headroom);
  long long steps = 0;
  for (auto _ : state) {
    SearchResult r = search_plans(s.cluster, s.profiles, s.constants, s.options);
    steps = r.search_steps;
    benchmark::DoNotOptimize(r.top.data());
  }
  state.counters["search_steps"] = static_cast<double>(steps);
  state.counters["gpus"] = 2.0 * state.range(0);
}

}  // namespace

BENCHMARK(BM_MetisSearch)
    ->ArgNames({"hostfile", "layers", "compat", "headroom"})
    ->Args({16, 10, 1, 0})
    ->Args({16, 10, 1, 1})
    ->Args({16, 10, 0, 0})
    ->Args({32, 20, 1, 0})
    ->Args({32, 20, 0, 0})
    ->Args({64, 20, 1, 0})
    ->Args({64, 20, 0, 0})
    ->Args({128, 40, 1, 0})
    ->Args({128, 40, 1, 1})
    ->Args({128, 40, 0, 0})
    ->Unit(benchmark::kMillisecond);
