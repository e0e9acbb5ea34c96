#include "study/collective_summary.hpp"

#include <fmt/format.h>

#include <map>
#include <tuple>

#include "common/units.hpp"

namespace chimera {

std::vector<CollectiveKindSummary> summarize_collectives(
    const std::vector<Program>& programs, const SimulationResult& result,
    const std::function<CollectiveAlgorithm(const Program&, const Op&)>& resolve) {
  std::map<std::tuple<const Group*, CollectiveKind, CollectiveAlgorithm>, CollectiveAlgorithm> resolved;
  std::map<CollectiveKind, CollectiveKindSummary> by_kind;
  std::map<CollectiveKind, std::map<std::pair<CollectiveAlgorithm, CollectiveAlgorithm>, std::uint64_t>> choices;
  for (std::size_t r = 0; r < programs.size(); ++r) {
    const Program& p = programs[r];
    for (std::size_t i = 0; i < p.ops().size(); ++i) {
      const Op& op = p.ops()[i];
      if (op.kind != OpKind::collective) continue;
      const Group& g = p.group(op);
      const bool pairwise = op.collective == CollectiveKind::multicast || op.collective == CollectiveKind::m2ms;
      if (g.size() <= 1 && !pairwise) continue;
      auto key = std::make_tuple(&g, op.collective, op.algorithm);
      auto it = resolved.find(key);
      if (it == resolved.end()) it = resolved.emplace(key, resolve(p, op)).first;
      CollectiveKindSummary& s = by_kind[op.collective];
      s.kind = to_string(op.collective);
      s.calls += 1;
      s.bytes += op.bytes;
      const OpTiming& t = result.timings.at(r).at(i);
      s.time_s += t.end_s - t.start_s;
      choices[op.collective][{op.algorithm, it->second}] += 1;
    }
  }
  std::vector<CollectiveKindSummary> out;
  for (auto& [kind, s] : by_kind) {
    for (const auto& [pair, calls] : choices[kind])
      s.algorithms.push_back({to_string(pair.first), to_string(pair.second), calls});
    out.push_back(std::move(s));
  }
  return out;
}

nlohmann::json collectives_json(const std::vector<CollectiveKindSummary>& summary) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& s : summary) {
    nlohmann::json algorithms = nlohmann::json::array();
    std::string ran;
    for (const auto& a : s.algorithms) {
      algorithms.push_back({{"requested", a.requested}, {"resolved", a.resolved}, {"calls", a.calls}});
      if (ran.find(a.resolved) == std::string::npos) ran += (ran.empty() ? "" : ", ") + a.resolved;
    }
    out.push_back({{"kind", s.kind},
                   {"calls", s.calls},
                   {"bytes", s.bytes},
                   {"time_s", s.time_s},
                   {"algorithm", ran},
                   {"algorithms", std::move(algorithms)}});
  }
  return out;
}

std::string collectives_text(const nlohmann::json& collectives) {
  if (collectives.empty()) return {};
  std::string out = "collectives (per kind; calls and time summed over member ranks)\n";
  for (const auto& c : collectives) {
    std::string how;
    for (const auto& a : c["algorithms"]) {
      const std::string req = a["requested"], res = a["resolved"];
      how += fmt::format("{}{} ({})", how.empty() ? "" : "; ", req == res ? res : req + " -> " + res,
                         a["calls"].get<std::uint64_t>());
    }
    out += fmt::format("  {:<15} {:>8} calls {:>12} {:>14}   {}\n", c["kind"].get<std::string>(),
                       c["calls"].get<std::uint64_t>(), format_bytes(c["bytes"].get<double>()),
                       format_duration(c["time_s"].get<double>()), how);
  }
  return out;
}

}  // namespace chimera
