#include "study/fusion_run.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <filesystem>

#include "actors/simulate.hpp"
#include "study/isolated_run.hpp"
#include "common/input_error.hpp"
#include "common/units.hpp"
#include "version.hpp"

namespace chimera {
namespace {

std::vector<int> parse_dims(const std::string& text) {
  try {
    return parse_shape(text);
  } catch (const std::invalid_argument& e) {
    throw option_error("--groups", e.what());
  }
}

// "0,1,5,6@2x2" -> ranks and shape.
std::pair<std::vector<int>, std::vector<int>> ranks_and_shape(const std::string& text) {
  auto at = text.find('@');
  std::vector<int> ranks;
  try {
    ranks = parse_rank_list(text.substr(0, at));
  } catch (const std::invalid_argument& e) {
    throw option_error("--groups", e.what());
  }
  return {ranks, at == std::string::npos ? std::vector<int>{} : parse_dims(text.substr(at + 1))};
}

std::string placement_spec_help() {
  std::string names;
  for (const auto& n : synthetic_placement_names()) names += n + ", ";
  return names + "or source=RANKS[@XxY];target=RANKS[@XxY];subgroups=RANKS|RANKS[@XxY]";
}

struct Variant {
  double time_s;
  double bytes_sent;
  std::vector<double> bytes_by_rank;
  std::uint64_t messages;
};

double sum_over(const std::vector<double>& v, const std::vector<int>& ranks) {
  double s = 0;
  for (int r : ranks)
    if (r < static_cast<int>(v.size())) s += v[r];
  return s;
}

}  // namespace

PairPlacement parse_placement(const std::string& text) {
  auto names = synthetic_placement_names();
  if (std::find(names.begin(), names.end(), text) != names.end()) return synthetic_placement(text);
  if (text.find('=') == std::string::npos)
    throw option_error("--groups", fmt::format("unknown placement '{}'", text), placement_spec_help());
  PairPlacement p;
  p.name = text;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(';', start);
    std::string item = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    start = end == std::string::npos ? text.size() : end + 1;
    auto eq = item.find('=');
    if (eq == std::string::npos) throw option_error("--groups", fmt::format("'{}' is not key=value", item), placement_spec_help());
    std::string key = item.substr(0, eq), value = item.substr(eq + 1);
    if (key == "source") std::tie(p.source, p.source_shape) = ranks_and_shape(value);
    else if (key == "target") std::tie(p.target, p.target_shape) = ranks_and_shape(value);
    else if (key == "subgroups") {
      auto at = value.find('@');
      std::string groups = value.substr(0, at);
      if (at != std::string::npos) p.subgroup_shape = parse_dims(value.substr(at + 1));
      std::size_t s = 0;
      while (s <= groups.size()) {
        std::size_t bar = groups.find('|', s);
        p.subgroups.push_back(ranks_and_shape(groups.substr(s, bar == std::string::npos ? std::string::npos : bar - s)).first);
        if (bar == std::string::npos) break;
        s = bar + 1;
      }
    } else {
      throw option_error("--groups", fmt::format("unknown key '{}'", key), "source, target, subgroups");
    }
  }
  if (p.source.empty() || p.target.empty())
    throw option_error("--groups", "both source and target groups are needed", placement_spec_help());
  if (p.subgroups.empty()) p.subgroups = {p.source};
  std::vector<int> covered;
  for (const auto& g : p.subgroups) covered.insert(covered.end(), g.begin(), g.end());
  std::vector<int> a = covered, b = p.source;
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  if (a != b) throw option_error("--groups", "the sub-groups must partition the source group", placement_spec_help());
  return p;
}

namespace {

struct PreparedFusion {
  FusionPair pair;
  bool real;
  PairOptions po;
  PairPlacement where;
  double M;
  SimulationOptions sim;
};

PreparedFusion prepare(const FusionRequest& q) {
  FusionPair pair;
  if (!parse_fusion_pair(q.pair_text, pair))
    throw option_error("--pair", fmt::format("unknown pair '{}'", q.pair_text), kFusionPairChoices);
  if (q.case_name != "synthetic" && q.case_name != "realmachine")
    throw option_error("--case", fmt::format("unknown case '{}'", q.case_name), "synthetic, realmachine");
  const bool real = q.case_name == "realmachine";
  if (real && q.bytes > 0)
    throw option_error("--bytes", "the realmachine case uses the scripts' tensor sizes", "no --bytes with --case realmachine");
  if (!real && q.bytes <= 0) throw option_error("--bytes", "missing or not positive", "a size such as 4MiB");
  PairOptions po;
  po.top_k = q.top_k;
  if (q.top_k < 1) throw option_error("--top-k", "must be >= 1", "1, 2, ...");
  if (q.ppsp_volume == "replicated") po.ppsp_volume = PpSpVolume::replicated;
  else if (q.ppsp_volume == "sharded") po.ppsp_volume = PpSpVolume::sharded;
  else throw option_error("--ppsp-volume", fmt::format("unknown volume '{}'", q.ppsp_volume), "replicated, sharded");
  if (!parse_collective_algorithm(q.algorithm, po.algorithm))
    throw option_error("--algo", fmt::format("unknown algorithm '{}'", q.algorithm), kCollectiveAlgorithmChoices);
  auto model = parse_network_model(q.network);
  if (!model) throw option_error("--network-model", fmt::format("unknown model '{}'", q.network), kNetworkModelChoices);
  if (q.granularity != "step" && q.granularity != "aggregated")
    throw option_error("--granularity", fmt::format("unknown granularity '{}'", q.granularity), "step, aggregated");
  if (q.reduction_seconds_per_byte < 0) throw option_error("--reduction-cost", "must not be negative", ">= 0");
  if (q.payload_efficiency <= 0 || q.payload_efficiency > 1)
    throw option_error("--payload-efficiency", fmt::format("{} is outside (0, 1]", q.payload_efficiency), "(0, 1]");

  PairPlacement where = real ? PairPlacement{"realmachine", {0, 1, 2, 3}, {4, 5, 6, 7}, {}, {}, {}, {}}
                             : parse_placement(q.groups);
  const double M = real ? realmachine_case(pair).tensor_bytes : q.bytes;

  SimulationOptions sim;
  sim.platform.xml_file = q.platform;
  sim.platform.description = q.platform;
  sim.platform.origin = {q.platform};
  sim.network.model = *model;
  sim.network.payload_efficiency = q.payload_efficiency;
  sim.collectives.granularity = q.granularity == "aggregated" ? Granularity::aggregated : Granularity::step;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(q.platform, ec))
    throw option_error("--platform", fmt::format("platform file '{}' not found", q.platform), "a SimGrid platform XML file");
  return {pair, real, po, where, M, sim};
}

}  // namespace

void validate_fusion(const FusionRequest& request) { (void)prepare(request); }

nlohmann::json run_fusion(const FusionRequest& q) {
  // Named references, not a structured binding: clang 14 (the fuzz build) cannot capture one.
  const PreparedFusion prepared = prepare(q);
  const FusionPair& pair = prepared.pair;
  const bool real = prepared.real;
  const PairOptions& po = prepared.po;
  const PairPlacement& where = prepared.where;
  const double M = prepared.M;
  const SimulationOptions& sim = prepared.sim;

  auto run_variant = [&](FusionVariant v) {
    nlohmann::json r = run_isolated([&] {
      std::vector<Program> programs = real ? lower_realmachine_pair(pair, v, po) : lower_fusion_pair(pair, v, M, where, po);
      SimulationOptions o = sim;
      if (q.reduction_seconds_per_byte > 0) o.collectives.reduction_seconds_per_byte.assign(programs.size(), q.reduction_seconds_per_byte);
      SimulationResult res = simulate(programs, o);
      return nlohmann::json{{"time_s", res.makespan_s},
                            {"bytes_sent", res.bytes_sent},
                            {"bytes_by_rank", res.bytes_sent_by_rank},
                            {"messages", res.messages_sent}};
    });
    return Variant{r["time_s"], r["bytes_sent"], r["bytes_by_rank"].get<std::vector<double>>(), r["messages"]};
  };
  Variant base = run_variant(FusionVariant::baseline);
  Variant fused = run_variant(FusionVariant::fused);

  auto variant_json = [&](const Variant& v) {
    return nlohmann::json{{"time_s", v.time_s},
                          {"bytes_sent", v.bytes_sent},
                          {"source_bytes_sent", sum_over(v.bytes_by_rank, where.source)},
                          {"target_bytes_sent", sum_over(v.bytes_by_rank, where.target)},
                          {"bytes_sent_by_rank", v.bytes_by_rank},
                          {"messages", v.messages}};
  };
  return {{"pair", to_string(pair)},
          {"case", q.case_name},
          {"bytes", M},
          {"groups", where.name},
          {"source", where.source},
          {"target", where.target},
          {"baseline_s", base.time_s},
          {"fused_s", fused.time_s},
          {"speedup", fused.time_s > 0 ? base.time_s / fused.time_s : 0.0},
          {"baseline", variant_json(base)},
          {"fused", variant_json(fused)},
          {"inputs",
           {{"platform", q.platform},
            {"network", describe(sim.network)},
            {"granularity", q.granularity},
            {"algorithm", q.algorithm},
            {"top_k", q.top_k},
            {"ppsp_volume", q.ppsp_volume},
            {"reduction_seconds_per_byte", q.reduction_seconds_per_byte},
            {"version", version_string()}}}};
}

std::string fusion_text(const nlohmann::json& r) {
  const auto& in = r["inputs"];
  std::string out = fmt::format("{} ({} case), M = {}, groups {}\n", r["pair"].get<std::string>(),
                                r["case"].get<std::string>(), format_bytes(r["bytes"].get<double>()),
                                r["groups"].get<std::string>());
  out += fmt::format("  platform {}\n  network  {} ({} granularity, algorithm {})\n  {}\n\n",
                     in["platform"].get<std::string>(), in["network"].get<std::string>(),
                     in["granularity"].get<std::string>(), in["algorithm"].get<std::string>(),
                     in["version"].get<std::string>());
  out += fmt::format("{:<10} {:>14} {:>14} {:>14} {:>14} {:>10}\n", "variant", "time", "bytes sent", "from sources",
                     "from targets", "messages");
  for (const char* v : {"baseline", "fused"}) {
    const auto& x = r[v];
    out += fmt::format("{:<10} {:>14} {:>14} {:>14} {:>14} {:>10}\n", v, format_duration(x["time_s"].get<double>()),
                       format_bytes(x["bytes_sent"].get<double>()), format_bytes(x["source_bytes_sent"].get<double>()),
                       format_bytes(x["target_bytes_sent"].get<double>()), x["messages"].get<std::uint64_t>());
  }
  out += fmt::format("\nspeedup (baseline / fused): {:.3f}x\n", r["speedup"].get<double>());
  return out;
}

}  // namespace chimera
