#pragma once
// `chimera-sim plan ... --simulate`: runs the best plans of a Metis search through the
// simulator on the cluster's own platform (platforms/metis_platform.hpp: one host per GPU with
// its type's preset, intra-node ports, one NIC per node, a switch) and compares the simulated
// iteration time with the cost model's. Each plan runs in its own process (one SimGrid engine
// per process).
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "planner/metis_cluster.hpp"
#include "planner/metis_options.hpp"
#include "planner/metis_plan.hpp"
#include "planner/metis_profiles.hpp"
#include "collectives/comm_context.hpp"
#include "platforms/metis_platform.hpp"
#include "workloads/program.hpp"

namespace chimera {

// The cluster file's bandwidth figures ("GB/s": 10, 46, 50) in bytes per second. The cost model
// divides bytes by figure x 1024 x 1024 and calls the result milliseconds, so one unit is
// 2^20 bytes per ms = 1.048576e9 B/s; the simulation uses the same reading so that a transfer on
// an idle link takes the time the model charges for it.
inline constexpr double kMetisBandwidthUnitBps = 1024.0 * 1024.0 * 1000.0;

// Per hostfile node, its cluster-file entry (its own address: intra and inter bandwidth, the
// inter value as given — not the reference's getter bug, which returns the intra value) and the
// preset of its GPU type (lower-cased type name). A type without a built-in preset is an
// InputError naming the cluster file and address. `uniform_slots`: every node gets the first
// node's GPU count (the reference's hostfile reading, as in the search).
MetisPlatformParams metis_platform_params(const metis::Cluster& cluster, const std::vector<metis::NodeSpec>& specs,
                                          bool uniform_slots);

struct PlanSimulationSetup {
  const metis::Cluster* cluster = nullptr;
  const metis::ProfileSet* profiles = nullptr;
  const metis::ModelConstants* constants = nullptr;
  metis::SearchOptions search;  // layers, batch, model sizes, quirks of the search
  MetisPlatformParams platform;
  CollectiveAlgorithm tp_algorithm = CollectiveAlgorithm::ring;
  CollectiveAlgorithm dp_algorithm = CollectiveAlgorithm::ring;
  Granularity granularity = Granularity::step;
  bool tp_communication = true;  // --simulate-tp-comm explicit (true) | in-profile
};

// Simulates each plan in a child process. Returns {"simulation": {platform, network model,
// lowering}, "simulated": [{plan, model_cost_ms, simulated_ms, ratio, ...}]}. Wall times go to
// stderr.
nlohmann::json simulate_plans(const PlanSimulationSetup& setup, const std::vector<metis::PlanRecord>& plans);

// Text report of simulate_plans' result.
void print_plan_simulations(const nlohmann::json& result);

}  // namespace chimera
