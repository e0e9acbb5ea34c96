#include "study/collective_run.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <filesystem>

#include "actors/simulate.hpp"
#include "collectives/nccl_model.hpp"
#include "study/isolated_run.hpp"
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

struct Prepared {
  CollectiveKind kind;
  CollectiveAlgorithm algo;
  std::vector<int> ranks, targets, shape;
  SimulationOptions sim;
  int world = 0;
  bool rotated = true;
};

Prepared prepare(const CollectiveRequest& q) {
  Prepared p;
  if (!parse_collective_kind(q.op, p.kind))
    throw option_error("--op", fmt::format("unknown collective '{}'", q.op), kCollectiveKindChoices);
  if (!parse_collective_algorithm(q.algo, p.algo))
    throw option_error("--algo", fmt::format("unknown algorithm '{}'", q.algo), kCollectiveAlgorithmChoices);
  auto ranks = [](const std::string& option, const std::string& text) {
    try {
      return parse_rank_list(text);
    } catch (const std::invalid_argument& e) {
      throw option_error(option, e.what());
    }
  };
  p.ranks = ranks("--ranks", q.ranks);
  if (!q.targets.empty()) p.targets = ranks("--targets", q.targets);
  if ((p.kind == CollectiveKind::multicast || p.kind == CollectiveKind::m2ms) && p.targets.empty())
    throw option_error("--targets", fmt::format("{} needs a target group", to_string(p.kind)), "e.g. --targets 4-7");
  if (!q.shape.empty()) {
    try {
      p.shape = parse_shape(q.shape);
    } catch (const std::invalid_argument& e) {
      throw option_error("--shape", e.what());
    }
    long product = 1;
    for (int d : p.shape) product *= d;
    if (product != static_cast<long>(p.ranks.size()))
      throw option_error("--shape", fmt::format("shape {} holds {} ranks but --ranks lists {}", q.shape, product, p.ranks.size()),
                         "dimensions whose product is the group size");
  }
  if (p.algo != CollectiveAlgorithm::automatic && algorithms_for(p.kind).find(to_string(p.algo)) == std::string::npos)
    throw option_error("--algo", fmt::format("'{}' does not implement {}", to_string(p.algo), to_string(p.kind)),
                       algorithms_for(p.kind));
  if (q.granularity != "step" && q.granularity != "aggregated")
    throw option_error("--granularity", fmt::format("unknown granularity '{}'", q.granularity), "step, aggregated");
  if (q.reduction_seconds_per_byte < 0) throw option_error("--reduction-cost", "must not be negative", "seconds per byte >= 0");
  if (q.tree_chunks < 0) throw option_error("--tree-chunks", "must not be negative", "0 (automatic) or more");
  if (q.payload_efficiency <= 0 || q.payload_efficiency > 1)
    throw option_error("--payload-efficiency", fmt::format("{} is outside (0, 1]", q.payload_efficiency), "(0, 1]");
  if (q.sizes.empty()) throw option_error("--sizes", "no sizes", "e.g. 4KiB:4GiB");
  if (!q.rotated && !(p.kind == CollectiveKind::m2ms && p.algo == CollectiveAlgorithm::ring))
    throw option_error("--unrotated", "only a many-to-many send in rounds has a target order",
                       "--op m2ms --algo ring with --targets");
  p.rotated = q.rotated;
  if (!parse_nccl_protocol(q.protocol, p.sim.collectives.nccl.protocol))
    throw option_error("--protocol", fmt::format("unknown protocol '{}'", q.protocol), kNcclProtocolChoices);
  auto model = parse_network_model(q.network);
  if (!model) throw option_error("--network-model", fmt::format("unknown model '{}'", q.network), kNetworkModelChoices);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(q.platform, ec))
    throw option_error("--platform", fmt::format("platform file '{}' not found", q.platform), "a SimGrid platform XML file");
  p.sim.platform.xml_file = q.platform;
  p.sim.platform.description = q.platform;
  p.sim.platform.origin = {q.platform};
  p.sim.network.model = *model;
  p.sim.network.payload_efficiency = q.payload_efficiency;
  p.sim.collectives.granularity = q.granularity == "aggregated" ? Granularity::aggregated : Granularity::step;
  p.sim.collectives.tree_chunks = q.tree_chunks;
  for (int r : p.ranks) p.world = std::max(p.world, r + 1);
  for (int r : p.targets) p.world = std::max(p.world, r + 1);
  if (q.reduction_seconds_per_byte > 0) p.sim.collectives.reduction_seconds_per_byte.assign(p.world, q.reduction_seconds_per_byte);
  return p;
}

std::vector<Program> single_collective_programs(const Prepared& p, double bytes) {
  GroupPtr g = make_group(p.ranks, p.shape);
  GroupPtr t = p.targets.empty() ? nullptr : make_group(p.targets);
  std::vector<int> members = p.ranks;
  for (int r : p.targets)
    if (std::find(members.begin(), members.end(), r) == members.end()) members.push_back(r);
  std::vector<Program> programs(p.world);
  for (int r = 0; r < p.world; ++r) programs[r].rank = r;
  for (int r : members) {
    Op op;
    op.kind = OpKind::collective;
    op.stream = kCollectiveStream;
    op.name = intern(to_string(p.kind));
    op.collective = p.kind;
    op.algorithm = p.algo;
    op.group = programs[r].bind(g);
    if (t) op.targets = programs[r].bind(t);
    op.bytes = bytes;
    op.rotated = p.rotated;
    programs[r].add(op);
  }
  return programs;
}

}  // namespace

void validate_collective_request(const CollectiveRequest& q) { (void)prepare(q); }

nlohmann::json run_collective_request(const CollectiveRequest& q) {
  Prepared p = prepare(q);
  const int n = static_cast<int>(p.ranks.size());
  nlohmann::json rows = nlohmann::json::array();
  std::string resolved;  // what `auto` stands for: the same at every size (group and platform decide)
  for (double bytes : q.sizes) {
    nlohmann::json r = run_isolated([&] {
      auto programs = single_collective_programs(p, bytes);
      Simulation sim(p.sim, p.world);
      SimulationResult res = sim.run(programs);
      const Program& first = programs[p.ranks.front()];
      Simulation::CollectiveChoice choice = sim.collective_choice(first, first.ops().front());
      return nlohmann::json{{"time_s", res.makespan_s},
                            {"messages", res.messages_sent},
                            {"bytes_sent_by_rank", res.bytes_sent_by_rank},
                            {"resolved_algorithm", to_string(choice.algorithm)},
                            {"protocol", choice.protocol},
                            {"nccl_estimate_s", choice.nccl_estimate_s}};
    });
    if (resolved.empty()) resolved = r["resolved_algorithm"].get<std::string>();
    double t = r["time_s"].get<double>();
    double algbw = t > 0 ? bytes / t : 0;
    rows.push_back({{"bytes", bytes},
                    {"time_s", t},
                    {"algbw_Bps", algbw},
                    {"busbw_Bps", algbw * busbw_factor(p.kind, n)},
                    {"messages", r["messages"]},
                    {"resolved_algorithm", r["resolved_algorithm"]},
                    {"protocol", r["protocol"]},
                    {"nccl_estimate_s", r["nccl_estimate_s"]},
                    {"bytes_sent_by_rank", r["bytes_sent_by_rank"]}});
  }
  return {{"op", to_string(p.kind)},
          {"algorithm", to_string(p.algo)},
          {"resolved_algorithm", resolved},
          {"ranks", p.ranks},
          {"targets", p.targets},
          {"shape", p.shape},
          {"platform", q.platform},
          {"network", describe(p.sim.network)},
          {"granularity", q.granularity},
          {"version", version_string()},
          {"rows", rows}};
}

nlohmann::json collective_closed_form(const CollectiveRequest& q) {
  Prepared p = prepare(q);
  if (p.ranks.size() < 2 && p.targets.empty()) return nullptr;
  Simulation sim(p.sim, p.world);
  Program prog = single_collective_programs(p, q.sizes.front())[p.ranks.front()];
  const Op& op = prog.ops().front();
  CollectiveAlgorithm algo = sim.resolved_algorithm(prog, op);
  const int second = prog.targets(op) && (p.kind == CollectiveKind::multicast || p.kind == CollectiveKind::m2ms) ? p.targets.front()
                                                                                                          : p.ranks[1];
  AlphaBeta ab = sim.route_alpha_beta(p.ranks.front(), second);
  auto t = closed_form_time(p.kind, algo, static_cast<int>(p.ranks.size()), q.sizes.front(), ab, p.shape,
                            static_cast<int>(p.targets.size()), p.rotated);
  if (!t) return nullptr;
  return *t;
}

std::string collective_text(const nlohmann::json& j) {
  std::vector<int> ranks = j["ranks"], targets = j["targets"];
  const std::string requested = j["algorithm"], resolved = j.value("resolved_algorithm", requested);
  std::string out = fmt::format("# {} ({}, {}) over {} ranks {}{}\n# platform {}\n# network {}\n# {}\n",
                                j["op"].get<std::string>(), requested == resolved ? requested : requested + " -> " + resolved,
                                j["granularity"].get<std::string>(), ranks.size(), describe_group(Group{ranks, {}}),
                                targets.empty() ? "" : " -> " + describe_group(Group{targets, {}}),
                                j["platform"].get<std::string>(), j["network"].get<std::string>(),
                                j["version"].get<std::string>());
  out += fmt::format("{:>14} {:>14} {:>14} {:>14}  {}\n", "size", "time", "algbw", "busbw", "runs as");
  for (const auto& r : j["rows"]) {
    std::string runs = r["resolved_algorithm"].get<std::string>();
    if (!r["protocol"].get<std::string>().empty()) runs += "/" + r["protocol"].get<std::string>();
    out += fmt::format("{:>14} {:>14} {:>14} {:>14}  {}\n", format_bytes(r["bytes"].get<double>()),
                       format_duration(r["time_s"].get<double>()), format_bandwidth(r["algbw_Bps"].get<double>()),
                       format_bandwidth(r["busbw_Bps"].get<double>()), runs);
  }
  return out;
}

}  // namespace chimera
