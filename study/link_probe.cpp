#include "study/link_probe.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "actors/simulate.hpp"
#include "study/isolated_run.hpp"

namespace chimera {

std::vector<LinkCost> probe_routes_from_rank0(const Scenario& s, int ranks) {
  nlohmann::json j = run_isolated([&] {
    SimulationOptions opt;
    opt.platform = s.platform;
    opt.network = s.network;
    Simulation sim(opt, ranks);
    nlohmann::json rows = nlohmann::json::array();
    for (int r = 0; r < ranks; ++r) {
      if (r == 0) {
        rows.push_back({0.0, 0.0});
        continue;
      }
      AlphaBeta ab = sim.route_alpha_beta(0, r);
      rows.push_back({ab.latency_s, std::isinf(ab.bandwidth_Bps) ? 0.0 : ab.bandwidth_Bps});
    }
    return rows;
  });
  std::vector<LinkCost> out;
  for (const auto& row : j) out.push_back({row[0].get<double>(), row[1].get<double>()});
  return out;
}

LinkCost worst_route(const std::vector<LinkCost>& from0, const std::vector<int>& ranks) {
  LinkCost worst;
  bool any = false;
  for (int r : ranks) {
    if (r == 0) continue;
    const LinkCost& l = from0.at(r);
    if (!any) worst = l, any = true;
    worst.latency_s = std::max(worst.latency_s, l.latency_s);
    if (l.bandwidth_Bps > 0 && (worst.bandwidth_Bps <= 0 || l.bandwidth_Bps < worst.bandwidth_Bps))
      worst.bandwidth_Bps = l.bandwidth_Bps;
  }
  return worst;
}

}  // namespace chimera
