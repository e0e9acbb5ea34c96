// chimera-sim collective --op OP --algo A --ranks 0-7 --platform FILE --sizes 4KiB:4GiB:
// an nccl-tests-style table of one collective over a size sweep. Each size runs in its own
// simulation, so sizes never overlap or queue behind each other.
#include <fmt/format.h>

#include <iostream>

#include "actors/simulate.hpp"
#include "cli/commands.hpp"
#include "cli/isolated_run.hpp"
#include "cli/output.hpp"
#include "common/input_error.hpp"
#include "common/units.hpp"
#include "version.hpp"

namespace chimera {
namespace {

// nccl-tests' bus-bandwidth factor: what each rank's link carries relative to the size.
double busbw_factor(CollectiveKind k, int n) {
  switch (k) {
    case CollectiveKind::all_reduce: return 2.0 * (n - 1) / n;
    case CollectiveKind::reduce_scatter:
    case CollectiveKind::all_gather:
    case CollectiveKind::all_to_all: return double(n - 1) / n;
    default: return 1.0;
  }
}

std::vector<Program> single_collective_programs(CollectiveKind kind, CollectiveAlgorithm algo,
                                                const std::vector<int>& ranks, double bytes) {
  int world = 0;
  for (int r : ranks) world = std::max(world, r + 1);
  GroupPtr g = make_group(ranks);
  std::vector<Program> programs(world);
  for (int r = 0; r < world; ++r) programs[r].rank = r;
  for (int r : ranks) {
    Op op;
    op.kind = OpKind::collective;
    op.stream = kCollectiveStream;
    op.name = intern(std::string(to_string(kind)));
    op.collective = kind;
    op.algorithm = algo;
    op.group = g;
    op.bytes = bytes;
    programs[r].add(op);
  }
  return programs;
}

}  // namespace

void add_collective_command(CLI::App& app) {
  struct Options {
    std::string op = "allreduce", algo = "ring", ranks = "0-7", platform, sizes = "1MiB", network = "CM02";
    bool json = false;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("collective", "Time one collective over a size sweep (nccl-tests style)");
  cmd->add_option("--op", opt->op, std::string("Collective: ") + kCollectiveKindChoices)->capture_default_str();
  cmd->add_option("--algo", opt->algo, std::string("Algorithm: ") + kCollectiveAlgorithmChoices)->capture_default_str();
  cmd->add_option("--ranks", opt->ranks, "Group members, e.g. 0-7 or 0,2,4,6 (rank r runs on host r)")->capture_default_str();
  cmd->add_option("--platform", opt->platform, "SimGrid platform XML file")->required();
  cmd->add_option("--sizes", opt->sizes, "Sizes: MIN:MAX (doubling), a list, or one size, e.g. 4KiB:4GiB")->capture_default_str();
  cmd->add_option("--network-model", opt->network, std::string("Network model: ") + kNetworkModelChoices)->capture_default_str();
  cmd->add_flag("--json", opt->json, "Print {\"rows\": [...]} as one JSON object");
  cmd->callback([opt] {
    CollectiveKind kind;
    if (!parse_collective_kind(opt->op, kind))
      throw option_error("--op", fmt::format("unknown collective '{}'", opt->op), kCollectiveKindChoices);
    CollectiveAlgorithm algo;
    if (!parse_collective_algorithm(opt->algo, algo))
      throw option_error("--algo", fmt::format("unknown algorithm '{}'", opt->algo), kCollectiveAlgorithmChoices);
    std::vector<int> ranks;
    std::vector<double> sizes;
    try {
      ranks = parse_rank_list(opt->ranks);
    } catch (const std::invalid_argument& e) {
      throw option_error("--ranks", e.what());
    }
    try {
      sizes = parse_byte_sweep(opt->sizes);
    } catch (const std::invalid_argument& e) {
      throw option_error("--sizes", e.what());
    }
    auto model = parse_network_model(opt->network);
    if (!model) throw option_error("--network-model", fmt::format("unknown model '{}'", opt->network), kNetworkModelChoices);
    SimulationOptions sim;
    sim.platform.xml_file = opt->platform;
    sim.platform.description = opt->platform;
    sim.platform.origin = {opt->platform};
    sim.network.model = *model;

    const int n = static_cast<int>(ranks.size());
    nlohmann::json rows = nlohmann::json::array();
    for (double bytes : sizes) {
      nlohmann::json r = run_isolated([&] {
        SimulationResult res = simulate(single_collective_programs(kind, algo, ranks, bytes), sim);
        return nlohmann::json{{"time_s", res.makespan_s}, {"messages", res.messages_sent}};
      });
      double t = r["time_s"].get<double>();
      double algbw = t > 0 ? bytes / t : 0;
      rows.push_back({{"bytes", bytes},
                      {"time_s", t},
                      {"algbw_Bps", algbw},
                      {"busbw_Bps", algbw * busbw_factor(kind, n)},
                      {"messages", r["messages"]}});
    }
    nlohmann::json out = {{"op", to_string(kind)},
                          {"algorithm", to_string(algo)},
                          {"ranks", ranks},
                          {"platform", opt->platform},
                          {"network", describe(sim.network)},
                          {"version", version_string()},
                          {"rows", rows}};
    if (opt->json) return print_json(out);
    std::cout << fmt::format("# {} ({}) over {} ranks {}\n# platform {}\n# network {}\n# {}\n", to_string(kind),
                             to_string(algo), n, describe_group(Group{ranks}), opt->platform, describe(sim.network),
                             version_string());
    std::cout << fmt::format("{:>14} {:>14} {:>14} {:>14}\n", "size", "time", "algbw", "busbw");
    for (const auto& r : rows)
      std::cout << fmt::format("{:>14} {:>14} {:>14} {:>14}\n", format_bytes(r["bytes"].get<double>()),
                               format_duration(r["time_s"].get<double>()), format_bandwidth(r["algbw_Bps"].get<double>()),
                               format_bandwidth(r["busbw_Bps"].get<double>()));
  });
}

}  // namespace chimera
