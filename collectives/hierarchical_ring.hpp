#pragma once
// Dimension-ordered rings for groups laid out on a mesh or torus (Group::shape = {X, Y[, Z]}),
// as the research runs them: a ring along x inside each row, then along y, then along z.
// Ring neighbours are taken inside the group (origin + (x+1) mod X), never outside it.
//
//   reduce-scatter(M): X-1 rounds of M/X, then Y-1 of M/(XY), then Z-1 of M/n   -> M(n-1)/n
//   all-gather(M):     X-1 rounds of M/n, then Y-1 of M/(YZ), then Z-1 of M/Z   -> M(n-1)/n
//   all-reduce(M):     reduce-scatter then all-gather
//   all-to-all(D):     per dimension, shifts: X-1 rounds sending D/X to x+s, then Y-1 of D/Y,
//                      then Z-1 of D/Z (each waits for the previous receive)
//                      -> D(X-1)/X + D(Y-1)/Y + D(Z-1)/Z per rank
// A one-dimensional group is a plain ring.
#include "collectives/transfers.hpp"

namespace chimera {

Task<> hierarchical_ring_collective(CollectiveCall c);

}  // namespace chimera
