// chimera-sim collective --op OP --algo A --ranks 0-7 --platform FILE --sizes 4KiB:4GiB:
// an nccl-tests-style table of one collective over a size sweep. Each size runs in its own
// simulation, so sizes never overlap or queue behind each other.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <iostream>

#include "actors/simulate.hpp"
#include "cli/commands.hpp"
#include "cli/isolated_run.hpp"
#include "cli/output.hpp"
#include "collectives/run_collective.hpp"
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
                                                const std::vector<int>& ranks, const std::vector<int>& targets,
                                                const std::vector<int>& shape, double bytes) {
  int world = 0;
  for (int r : ranks) world = std::max(world, r + 1);
  for (int r : targets) world = std::max(world, r + 1);
  GroupPtr g = make_group(ranks, shape);
  GroupPtr t = targets.empty() ? nullptr : make_group(targets);
  std::vector<int> members = ranks;
  for (int r : targets)
    if (std::find(members.begin(), members.end(), r) == members.end()) members.push_back(r);
  std::vector<Program> programs(world);
  for (int r = 0; r < world; ++r) programs[r].rank = r;
  for (int r : members) {
    Op op;
    op.kind = OpKind::collective;
    op.stream = kCollectiveStream;
    op.name = intern(std::string(to_string(kind)));
    op.collective = kind;
    op.algorithm = algo;
    op.group = g;
    op.targets = t;
    op.bytes = bytes;
    programs[r].add(op);
  }
  return programs;
}

std::vector<int> parse_shape(const std::string& text) {
  std::vector<int> dims;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t x = text.find('x', start);
    std::string part = text.substr(start, x == std::string::npos ? std::string::npos : x - start);
    int d = 0;
    auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), d);
    if (ec != std::errc() || ptr != part.data() + part.size() || d < 1)
      throw option_error("--shape", fmt::format("'{}' is not a shape", text), "dimensions joined by x, e.g. 4x2");
    dims.push_back(d);
    if (x == std::string::npos) break;
    start = x + 1;
  }
  return dims;
}

}  // namespace

void add_collective_command(CLI::App& app) {
  struct Options {
    std::string op = "allreduce", algo = "auto", ranks = "0-7", targets, shape, platform, sizes = "1MiB",
                network = "CM02", granularity = "step";
    double reduction_seconds_per_byte = 0;
    int tree_chunks = 0;
    bool json = false;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("collective", "Time one collective over a size sweep (nccl-tests style)");
  cmd->add_option("--op", opt->op, std::string("Collective: ") + kCollectiveKindChoices)->capture_default_str();
  cmd->add_option("--algo", opt->algo, std::string("Algorithm: ") + kCollectiveAlgorithmChoices)->capture_default_str();
  cmd->add_option("--ranks", opt->ranks, "Group members, e.g. 0-7 or 0,2,4,6 (rank r runs on host r)")->capture_default_str();
  cmd->add_option("--targets", opt->targets, "Target group of multicast / m2ms (the sources are --ranks)");
  cmd->add_option("--shape", opt->shape, "Shape of the group on a mesh/torus, e.g. 2x2 or 2x2x2 (hierarchical-ring)");
  cmd->add_option("--granularity", opt->granularity, "step (every message) or aggregated (one flow per peer per phase)")
      ->capture_default_str();
  cmd->add_option("--reduction-cost", opt->reduction_seconds_per_byte,
                  "Local reduction after each receive, in seconds per byte (0 = free)");
  cmd->add_option("--tree-chunks", opt->tree_chunks, "Chunks per tree of double-binary-tree (0 = automatic)");
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
    std::vector<int> targets, shape;
    if (!opt->targets.empty()) {
      try {
        targets = parse_rank_list(opt->targets);
      } catch (const std::invalid_argument& e) {
        throw option_error("--targets", e.what());
      }
    }
    if ((kind == CollectiveKind::multicast || kind == CollectiveKind::m2ms) && targets.empty())
      throw option_error("--targets", fmt::format("{} needs a target group", to_string(kind)), "e.g. --targets 4-7");
    if (!opt->shape.empty()) {
      shape = parse_shape(opt->shape);
      long product = 1;
      for (int d : shape) product *= d;
      if (product != static_cast<long>(ranks.size()))
        throw option_error("--shape", fmt::format("shape {} holds {} ranks but --ranks lists {}", opt->shape, product,
                                                  ranks.size()),
                           "dimensions whose product is the group size");
    }
    if (algo != CollectiveAlgorithm::automatic && algorithms_for(kind).find(to_string(algo)) == std::string::npos)
      throw option_error("--algo", fmt::format("'{}' does not implement {}", to_string(algo), to_string(kind)),
                         algorithms_for(kind));
    if (opt->granularity != "step" && opt->granularity != "aggregated")
      throw option_error("--granularity", fmt::format("unknown granularity '{}'", opt->granularity), "step, aggregated");
    if (opt->reduction_seconds_per_byte < 0)
      throw option_error("--reduction-cost", "must not be negative", "seconds per byte >= 0");
    if (opt->tree_chunks < 0) throw option_error("--tree-chunks", "must not be negative", "0 (automatic) or more");
    auto model = parse_network_model(opt->network);
    if (!model) throw option_error("--network-model", fmt::format("unknown model '{}'", opt->network), kNetworkModelChoices);
    SimulationOptions sim;
    sim.platform.xml_file = opt->platform;
    sim.platform.description = opt->platform;
    sim.platform.origin = {opt->platform};
    sim.network.model = *model;
    sim.collectives.granularity = opt->granularity == "aggregated" ? Granularity::aggregated : Granularity::step;
    sim.collectives.tree_chunks = opt->tree_chunks;
    int world = 0;
    for (int r : ranks) world = std::max(world, r + 1);
    for (int r : targets) world = std::max(world, r + 1);
    if (opt->reduction_seconds_per_byte > 0)
      sim.collectives.reduction_seconds_per_byte.assign(world, opt->reduction_seconds_per_byte);

    const int n = static_cast<int>(ranks.size());
    nlohmann::json rows = nlohmann::json::array();
    for (double bytes : sizes) {
      nlohmann::json r = run_isolated([&] {
        SimulationResult res = simulate(single_collective_programs(kind, algo, ranks, targets, shape, bytes), sim);
        return nlohmann::json{{"time_s", res.makespan_s},
                              {"messages", res.messages_sent},
                              {"bytes_sent_by_rank", res.bytes_sent_by_rank}};
      });
      double t = r["time_s"].get<double>();
      double algbw = t > 0 ? bytes / t : 0;
      rows.push_back({{"bytes", bytes},
                      {"time_s", t},
                      {"algbw_Bps", algbw},
                      {"busbw_Bps", algbw * busbw_factor(kind, n)},
                      {"messages", r["messages"]},
                      {"bytes_sent_by_rank", r["bytes_sent_by_rank"]}});
    }
    nlohmann::json out = {{"op", to_string(kind)},
                          {"algorithm", to_string(algo)},
                          {"ranks", ranks},
                          {"platform", opt->platform},
                          {"targets", targets},
                          {"network", describe(sim.network)},
                          {"granularity", opt->granularity},
                          {"version", version_string()},
                          {"rows", rows}};
    if (opt->json) return print_json(out);
    std::cout << fmt::format("# {} ({}, {}) over {} ranks {}{}\n# platform {}\n# network {}\n# {}\n", to_string(kind),
                             to_string(algo), opt->granularity, n, describe_group(Group{ranks, {}}),
                             targets.empty() ? "" : " -> " + describe_group(Group{targets, {}}), opt->platform,
                             describe(sim.network), version_string());
    std::cout << fmt::format("{:>14} {:>14} {:>14} {:>14}\n", "size", "time", "algbw", "busbw");
    for (const auto& r : rows)
      std::cout << fmt::format("{:>14} {:>14} {:>14} {:>14}\n", format_bytes(r["bytes"].get<double>()),
                               format_duration(r["time_s"].get<double>()), format_bandwidth(r["algbw_Bps"].get<double>()),
                               format_bandwidth(r["busbw_Bps"].get<double>()));
  });
}

}  // namespace chimera
