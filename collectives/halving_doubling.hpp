#pragma once
// Halving-doubling family, for groups of n = 2^k members (positions p, partners p XOR d).
//
//   reduce-scatter(M), recursive halving: round i = 0..k-1 exchanges M/2^(i+1) with the
//     partner at distance n/2^(i+1) and reduces it                    -> k a + M(n-1)/(nB)
//   all-gather(M), recursive doubling: round i exchanges M 2^i/n with the partner at
//     distance 2^i                                                    -> k a + M(n-1)/(nB)
//   all-reduce(M): reduce-scatter then all-gather (Rabenseifner)      -> 2k a + 2M(n-1)/(nB)
//   all-to-all(D), Bruck-like (any n): ceil(log2 n) rounds; round i sends D/2 to p + 2^i and
//     receives from p - 2^i                                           -> ceil(log2 n)(a + D/(2B))
//
// The serial variant reproduces the research's switch reduce-scatter: round i pairs positions
// at distance 2^i; the lower one sends M 2^i/n first and the higher one reduces, then the
// higher one sends back: the two directions one after the other (2k a + 2M(n-1)/(nB)).
// Its all-gather is the concurrent recursive doubling above.
//
// Non-power-of-two groups are rejected (see validate_collective) except for all-to-all.
#include "collectives/transfers.hpp"

namespace chimera {

Task<> halving_doubling_collective(CollectiveCall c, bool serial);

// Binomial tree broadcast / reduce from / to position 0 (any n): ceil(log2 n) rounds of M.
Task<> binomial_tree_collective(CollectiveCall c);

}  // namespace chimera
