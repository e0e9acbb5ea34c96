#pragma once
// Direct algorithms: every pair at once, one round (two for all-reduce).
//
//   reduce-scatter(M): send M/n to each other member, reduce the n-1 pieces received
//   all-gather(M):     send one's M/n to each other member
//   all-reduce(M):     reduce-scatter then all-gather                     -> 2M(n-1)/n per rank
//   all-to-all(D):     send D/n to each other member                       -> D(n-1)/n per rank
//   broadcast(M):      position 0 sends M to every other member
//   reduce(M):         every member sends M to position 0, which reduces
//
// Without contention beyond each rank's own port (bandwidth B, route latency a), a direct
// reduce-scatter takes a + M(n-1)/(nB): the n-1 flows share the sender's port.
//
// Aggregated, groups of more than 9 send their (n-1) pieces to 8 evenly spaced peers only
// (same bytes per port: exact on non-blocking switches, a sample of the traffic matrix on
// other topologies), since n(n-1) concurrent flows cost the solver about O(n^4).
#include "collectives/transfers.hpp"

namespace chimera {

Task<> direct_collective(CollectiveCall c);

}  // namespace chimera
