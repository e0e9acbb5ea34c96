#include "study/plan_simulate.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <iostream>

#include "actors/simulate.hpp"
#include "study/isolated_run.hpp"
#include "study/progress.hpp"
#include "common/input_error.hpp"
#include "common/strings.hpp"
#include "compute/hardware_preset.hpp"
#include "planner/float_text.hpp"
#include "planner/plan_programs.hpp"
#include "platforms/generator_common.hpp"
#include "version.hpp"

namespace chimera {
namespace {

using namespace metis;

// The hosts of a plan's ranks: the layout puts ranks node by node, so a rank is the next free
// GPU of its node.
std::vector<std::string> rank_hosts(const std::vector<StagePlan>& stages, std::size_t nodes) {
  std::vector<int> next(nodes, 0);
  std::vector<std::string> out;
  for (const auto& st : stages)
    for (int node : st.rank_hosts) out.push_back(metis_host_name(node, next[node]++));
  return out;
}

std::string platform_description(const PlanSimulationSetup& s) {
  std::string nodes;
  for (std::size_t n = 0; n < s.platform.nodes.size(); ++n) {
    const MetisNode& node = s.platform.nodes[n];
    nodes += fmt::format("{}node{} {} x{} {} intra {} inter {}", n ? "; " : "", n, node.label, node.gpus, node.preset,
                         shortest(node.intra_bandwidth_Bps / kMetisBandwidthUnitBps),
                         shortest(node.inter_bandwidth_Bps / kMetisBandwidthUnitBps));
  }
  return fmt::format(
      "metis cluster from {} and {}: {} nodes, one NIC per node to a switch (fat pipe); bandwidths in the cluster "
      "file's unit x {} B/s; latencies port {} s, NIC {} s, switch {} s [{}]",
      s.cluster->hostfile_path, s.cluster->cluster_path, s.platform.nodes.size(), shortest(kMetisBandwidthUnitBps),
      shortest(s.platform.port_latency_s), shortest(s.platform.nic_latency_s), shortest(s.platform.switch_latency_s),
      nodes);
}

nlohmann::json simulate_one(const PlanSimulationSetup& s, const PlanRecord& plan, const SimulationOptions& base) {
  const SearchOptions& o = s.search;
  PlanLoweringInput in;
  in.stages = plan_stages(plan, *s.cluster, o.global_batch, o.quirks.hostfile_one_digit);
  in.micro_batches = plan.micro_batches;
  in.layers = o.layers;
  in.global_batch = o.global_batch;
  in.hidden_size = o.hidden_size;
  in.sequence_length = o.sequence_length;
  in.profiles = s.profiles;
  in.constants = s.constants;
  in.chunk_type_first_gpu = o.quirks.chunk_type_first_gpu;
  in.tp_algorithm = s.tp_algorithm;
  in.dp_algorithm = s.dp_algorithm;
  in.tp_communication = s.tp_communication;

  SimulationOptions opt = base;
  opt.platform.rank_hosts = rank_hosts(in.stages, s.cluster->nodes.size());
  const int ranks = static_cast<int>(opt.platform.rank_hosts.size());
  return run_isolated([&] {
    PlanPrograms lowered = lower_plan(in);
    Simulation sim(opt, ranks);
    SimulationResult r = sim.run(lowered.programs);
    nlohmann::json samples = nlohmann::json::array();
    for (const auto& v : lowered.replica_samples) samples.push_back(v);
    std::size_t ops = 0;
    for (const auto& p : lowered.programs) ops += p.ops().size();
    return nlohmann::json{{"simulated_s", r.makespan_s},
                          {"messages", r.messages_sent},
                          {"bytes_sent", r.bytes_sent},
                          {"ops", ops},
                          {"replica_samples", samples}};
  });
}

}  // namespace

MetisPlatformParams metis_platform_params(const Cluster& cluster, const std::vector<NodeSpec>& specs, bool uniform_slots) {
  std::vector<std::string> presets;
  for (const auto& name : hardware_preset_names()) presets.push_back(to_upper(name));
  MetisPlatformParams p;
  for (const auto& node : cluster.nodes) {
    auto spec = std::find_if(specs.begin(), specs.end(), [&](const NodeSpec& n) { return n.address == node.address; });
    if (spec == specs.end())  // make_cluster already checked every address
      throw InputError({cluster.cluster_path}, node.address, "no entry for this hostfile address");
    const std::string preset = to_lower(spec->type);
    if (!is_compute_preset(preset))
      throw InputError({cluster.cluster_path}, node.address + ".instance_type",
                       fmt::format("GPU type {} has no hardware preset, so --simulate cannot build its hosts", spec->type),
                       fmt::format("types with a built-in preset: {}", fmt::join(presets, ", ")));
    MetisNode n;
    n.gpus = uniform_slots ? cluster.nodes.front().slots : node.slots;
    n.preset = preset;
    n.intra_bandwidth_Bps = spec->intra_bandwidth * kMetisBandwidthUnitBps;
    n.inter_bandwidth_Bps = spec->inter_bandwidth * kMetisBandwidthUnitBps;
    n.label = fmt::format("{} {}", node.address, spec->type);
    p.nodes.push_back(std::move(n));
  }
  return p;
}

nlohmann::json simulate_plans(const PlanSimulationSetup& s, const std::vector<PlanRecord>& plans) {
  SimulationOptions base;
  base.collectives.granularity = s.granularity;
  base.platform.description = platform_description(s);
  base.platform.generated_xml = metis_platform_xml(
      s.platform, fmt::format("Generated by chimera-sim plan --simulate ({}): {}", version_string(), base.platform.description));
  nlohmann::json runs = nlohmann::json::array();
  Progress progress("plan --simulate: plans", static_cast<double>(plans.size()));
  for (std::size_t i = 0; i < plans.size(); ++i) {
    const PlanRecord& plan = plans[i];
    auto start = std::chrono::steady_clock::now();
    nlohmann::json r = simulate_one(s, plan, base);
    progress.update(static_cast<double>(i + 1),
                    fmt::format("last plan {:.2f} s", std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()));
    const double simulated_ms = r["simulated_s"].get<double>() * 1e3;
    runs.push_back({{"plan", i + 1},
                    {"model_cost_s", plan.cost.total / 1e3},
                    {"simulated_s", r["simulated_s"]},
                    {"model_cost_ms", plan.cost.total},  // kept for one release: use the *_s keys
                    {"simulated_ms", simulated_ms},
                    {"ratio", simulated_ms / plan.cost.total},
                    {"mislabelled", plan.mislabelled},
                    {"device_groups", plan.device_groups},
                    {"micro_batches", plan.micro_batches},
                    {"layer_partition", plan.layer_partition},
                    {"replica_samples", r["replica_samples"]},
                    {"ops", r["ops"]},
                    {"messages", r["messages"]},
                    {"bytes_sent", r["bytes_sent"]}});
  }
  nlohmann::json nodes = nlohmann::json::array();
  for (const auto& n : s.platform.nodes)
    nodes.push_back({{"node", n.label},
                     {"gpus", n.gpus},
                     {"preset", n.preset},
                     {"intra_bandwidth_Bps", n.intra_bandwidth_Bps},
                     {"inter_bandwidth_Bps", n.inter_bandwidth_Bps}});
  nlohmann::json setup = {
      {"platform", base.platform.description},
      {"nodes", nodes},
      {"bandwidth_unit_Bps", kMetisBandwidthUnitBps},
      {"network_model", describe(base.network)},
      {"schedule", "gpipe (all forwards, then all backwards, per stage)"},
      {"fwd_bwd_split", "1:2 of the profiled per-layer fwd+bwd time"},
      {"tp_communication", s.tp_communication ? "explicit (simulated on top of the profiled layer time)"
                                              : "in-profile (inside the profiled layer time, not simulated)"},
      {"tp_algorithm", to_string(s.tp_algorithm)},
      {"dp_algorithm", to_string(s.dp_algorithm)},
      {"granularity", s.granularity == Granularity::aggregated ? "aggregated" : "step"}};
  return {{"simulation", setup}, {"simulated", runs}};
}

void print_plan_simulations(const nlohmann::json& result) {
  const auto& s = result["simulation"];
  std::cout << fmt::format("# simulation: platform {}\n", s["platform"].get<std::string>());
  std::cout << fmt::format("# network model {}; schedule {}; fwd:bwd {}; tp all-reduce {}, dp all-reduce {}\n",
                           s["network_model"].get<std::string>(), s["schedule"].get<std::string>(),
                           s["fwd_bwd_split"].get<std::string>(), s["tp_algorithm"].get<std::string>(),
                           s["dp_algorithm"].get<std::string>());
  std::cout << fmt::format("# tensor-parallel communication: {}; granularity {}\n",
                           s["tp_communication"].get<std::string>(), s["granularity"].get<std::string>());
  std::cout << "simulated vs model (ms):\n";
  std::cout << fmt::format("  {:>4} {:>20} {:>20} {:>9}\n", "plan", "model", "simulated", "ratio");
  for (const auto& r : result["simulated"])
    std::cout << fmt::format("  {:>4} {:>20} {:>20} {:>9.4f}{}\n", r["plan"].get<int>(),
                             shortest(r["model_cost_ms"].get<double>()), fmt::format("{:.6f}", r["simulated_ms"].get<double>()),
                             r["ratio"].get<double>(),
                             r["mislabelled"].get<bool>() ? "  (model costed stage 0 only: quirk 1)" : "");
}

}  // namespace chimera
