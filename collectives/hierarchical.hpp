#pragma once
// Hierarchical collectives for groups spread over several nodes (a node = the netzone that
// holds a rank's host, e.g. one server of a cluster), L members on each of N nodes:
//
//   all-reduce(M):     ring reduce-scatter inside each node (M), ring all-reduce across nodes
//                      among members with the same local index (M/L), ring all-gather inside
//                      each node (M)
//   reduce-scatter(M): inside (M), then across (M/L)   -> each member ends with M/n
//   all-gather(M):     across (M/L), then inside (M)
//
// Every node must hold the same number of members (validate_collective says so otherwise).
#include "collectives/transfers.hpp"

namespace chimera {

void hierarchical_collective(CollectiveCall& c);

// The members of `g` grouped by node, in order of first appearance; empty if the nodes hold
// different numbers of members.
std::vector<std::vector<int>> members_by_node(CommContext& ctx, const Group& g);

}  // namespace chimera
