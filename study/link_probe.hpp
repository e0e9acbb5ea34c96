#pragma once
// Latency and bandwidth of the route from rank 0 to every rank of a scenario's platform (the
// sum of the route's link latencies, its narrowest link), read from SimGrid in a forked
// process: the alpha-beta inputs of the analytical pipeline model.
#include <vector>

#include "study/scenario.hpp"
#include "planner/pipeline_model.hpp"

namespace chimera {

// Element r: the route 0 -> r (element 0: free). Throws InputError when the platform has fewer
// hosts than `ranks`.
std::vector<LinkCost> probe_routes_from_rank0(const Scenario& s, int ranks);

// The slowest of the routes from rank 0 to `ranks` (largest latency, smallest bandwidth).
LinkCost worst_route(const std::vector<LinkCost>& from_rank0, const std::vector<int>& ranks);

}  // namespace chimera
