#pragma once
// Ring algorithms. Members sit on a ring in group-position order; position i sends to
// position i+1 and receives from i-1 (positions inside the group, wrapping at n: a group whose
// first rank is not 0 never sends outside itself).
//
//   reduce-scatter(M): n-1 rounds of M/n, reducing after each receive  -> M(n-1)/n per rank
//   all-gather(M):     n-1 rounds of M/n (M = gathered size)            -> M(n-1)/n per rank
//   all-reduce(M):     reduce-scatter then all-gather                   -> 2M(n-1)/n per rank
//   all-to-all(D):     n-1 shift rounds; round s sends D/n to i+s and
//                      receives from i-s (D = per-rank send buffer)      -> D(n-1)/n per rank
//   broadcast / reduce(M): a chain from / to position 0, pipelined in C chunks of M/C
//
// Bidirectional rings send half of each chunk each way round. On links of bandwidth B and
// route latency a without contention a ring all-reduce takes 2(n-1)(a + M/(nB)).
#include <vector>

#include "collectives/transfers.hpp"

namespace chimera {

// `rounds` rounds in which every member of `ring` (ranks in ring order) sends `chunk` bytes to
// its successor (and, if bidirectional, `chunk`/2 each way); the first `reduce_rounds` rounds
// reduce what they receive.
Task<> ring_rounds(CollectiveCall c, const std::vector<int>& ring, int rounds, double chunk, int reduce_rounds,
                   bool bidirectional = false);

Task<> ring_collective(CollectiveCall c, bool bidirectional);

}  // namespace chimera
