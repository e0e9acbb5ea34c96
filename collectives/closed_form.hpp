#pragma once
// Alpha-beta closed forms of the collective algorithms (the formulas of collectives/README.md),
// for n members whose routes all have bandwidth B and latency a, one port per GPU and no other
// contention. Engine-free; used to print the closed-form column of fidelity reports.
#include <optional>
#include <vector>

#include "workloads/program.hpp"

namespace chimera {

struct AlphaBeta {
  double bandwidth_Bps;
  double latency_s;
};

// nullopt when the algorithm has no closed form here (double binary tree, hierarchical over
// nodes) or does not implement the kind. `shape` is the group's shape for hierarchical-ring;
// `targets` the target count of multicast / m2ms.
std::optional<double> closed_form_time(CollectiveKind kind, CollectiveAlgorithm algo, int n, double bytes, AlphaBeta ab,
                                       const std::vector<int>& shape = {}, int targets = 0, bool rotated = true);

}  // namespace chimera
