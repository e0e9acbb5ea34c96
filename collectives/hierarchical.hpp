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
// Every node must hold the same number of members (collective_problem says so otherwise;
// CommContext::members_by_node groups them).
#include "collectives/transfers.hpp"

namespace chimera {

Task<> hierarchical_collective(CollectiveCall c);

}  // namespace chimera
