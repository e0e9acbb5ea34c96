#pragma once
// Runs rank programs on a SimGrid platform: one SimGrid actor per GPU, which runs its
// program's streams (compute, tensor-parallel, data-parallel, pipeline, ...) side by side as
// tasks of one loop (collectives/rank_loop.hpp), so communication overlaps compute wherever
// dependencies allow. One engine at a time: simulations in one process run one after the
// other, each starting from a fresh engine and clock (tests/unit/test_engine_errors.cpp checks
// they match a fresh process); commands that run many still fork (study/isolated_run.hpp), so a
// failing run cannot take the others down.
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "collectives/closed_form.hpp"
#include "collectives/collective_options.hpp"
#include "platforms/link_stats.hpp"
#include "platforms/network_settings.hpp"
#include "platforms/platform_spec.hpp"
#include "workloads/program.hpp"

namespace chimera {

struct SimulationOptions {
  PlatformSpec platform;
  NetworkSettings network;
  // Granularity, chunking, local reduction costs. `platform_default` is read from the
  // platform (root zone <prop id="collective_algorithm">) when left automatic.
  CollectiveOptions collectives;
  // Per-link bytes and busy time (platforms/link_stats.hpp); off: no signal is listened to.
  bool link_stats = false;
  // Called every `progress_every_ops` finished ops with the simulated time and the ops done so
  // far (all ranks): progress reports read it; it never changes the run.
  std::function<void(double now_s, std::uint64_t ops_done)> on_progress;
  std::uint64_t progress_every_ops = 4096;
};

struct OpTiming {
  double start_s = -1;
  double end_s = -1;
};

struct SimulationResult {
  double makespan_s = 0;
  std::vector<std::vector<OpTiming>> timings;  // [rank][op index]
  std::vector<std::string> rank_hosts;          // host name of each rank
  double bytes_sent = 0;                        // all messages of all ranks
  std::vector<double> bytes_sent_by_rank;
  std::uint64_t messages_sent = 0;
  std::optional<LinkStats> link_stats;  // when SimulationOptions::link_stats
};

// Thrown when the programs cannot finish (a receive without its send, a collective some
// member never joins): the message lists the first ops left waiting.
struct SimulationDeadlock : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A simulation in two steps: the constructor starts the engine and loads the platform (so the
// caller can read per-host properties, e.g. each rank's hardware preset, before lowering its
// programs); run() executes the programs once.
class Simulation {
 public:
  Simulation(const SimulationOptions& options, int ranks);
  ~Simulation();
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  int ranks() const;
  const std::string& rank_host_name(int rank) const;
  // A <prop> of the rank's host in the platform XML, or "" when absent.
  std::string rank_host_property(int rank, const std::string& key) const;

  // Bottleneck bandwidth and summed latency of the route between two ranks' hosts, as the
  // links are loaded (payload efficiency applied): the alpha-beta view of the platform.
  AlphaBeta route_alpha_beta(int src, int dst) const;
  // The algorithm `auto` stands for, for this collective on this platform.
  CollectiveAlgorithm resolved_algorithm(const Program& program, const Op& op);
  // What the collective runs as: the resolved algorithm and, under NCCL's model
  // (collectives/nccl_model.hpp), its protocol ("" when the model does not apply) and NCCL's
  // own estimate of its time. Call after run() or on a Simulation that will not run.
  struct CollectiveChoice {
    CollectiveAlgorithm algorithm = CollectiveAlgorithm::automatic;
    std::string protocol;
    double nccl_estimate_s = 0;
  };
  CollectiveChoice collective_choice(const Program& program, const Op& op);

  // Local reduction cost per rank in seconds per byte (e.g. from each rank's preset); set
  // before run() to enable reductions.
  void set_reduction_costs(std::vector<double> seconds_per_byte);
  // SimulationOptions::on_progress, set once the programs (and so the total) are known.
  void set_progress(std::function<void(double now_s, std::uint64_t ops_done)> report, std::uint64_t every_ops);

  // Checks every collective against its algorithm and group (InputError on the first problem),
  // then executes the programs.
  SimulationResult run(const std::vector<Program>& programs);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

SimulationResult simulate(const std::vector<Program>& programs, const SimulationOptions& options);

}  // namespace chimera
