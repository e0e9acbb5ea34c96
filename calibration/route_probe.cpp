#include "calibration/route_probe.hpp"

#include <simgrid/s4u/Engine.hpp>
#include <simgrid/s4u/Host.hpp>
#include <simgrid/s4u/Link.hpp>

#include <algorithm>
#include <limits>

#include "actors/simulate.hpp"

namespace chimera {

RunRoute probe_run_route(const std::string& platform_file, const NcclTestsRun& run, CollectiveAlgorithm algorithm) {
  SimulationOptions o;
  o.platform.xml_file = platform_file;
  o.platform.description = platform_file;
  o.platform.origin = {platform_file};
  Simulation sim(o, run.ranks);
  RunRoute r;
  (void)sim.route_alpha_beta(0, 1);  // seals the platform: routes are final from here
  std::vector<simgrid::s4u::Link*> links;
  double latency = 0;
  auto* a = simgrid::s4u::Host::by_name(sim.rank_host_name(0));
  auto* b = simgrid::s4u::Host::by_name(sim.rank_host_name(1));
  a->route_to(b, links, &latency);
  double narrowest = std::numeric_limits<double>::infinity();
  for (auto* l : links) {
    const char* role = l->get_property("role");
    std::string name = role ? role : "";
    if (!name.empty() && std::find(r.roles.begin(), r.roles.end(), name) == r.roles.end()) r.roles.push_back(name);
    if (l->get_bandwidth() < narrowest) narrowest = l->get_bandwidth(), r.bottleneck_role = name;
  }
  // The largest size's choice, as a program of the measured collective would make it.
  GroupPtr g = make_group([&] {
    std::vector<int> v;
    for (int i = 0; i < run.ranks; ++i) v.push_back(i);
    return v;
  }());
  Program p;
  p.rank = 0;
  Op op;
  op.kind = OpKind::collective;
  op.collective = nccl_test_collective(run.test);
  op.algorithm = algorithm;
  op.group = p.bind(g);
  op.bytes = run.rows.back().bytes;
  if (op.collective == CollectiveKind::multicast) op.targets = p.bind(g);
  p.add(op);
  const auto choice = sim.collective_choice(p, p.ops().front());
  r.nvls_at_large = choice.algorithm == CollectiveAlgorithm::nvls;
  // NCCL's model is on when the platform's root zone says so.
  const char* model = simgrid::s4u::Engine::get_instance()->get_netzone_root()->get_property("collective_model");
  r.nccl_model = model && std::string(model) == "nccl";
  return r;
}

}  // namespace chimera
