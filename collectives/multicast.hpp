#pragma once
// The multicast family: data moving from a source group S to a target group T (the op's group and
// targets), as flows that all start at once.
//
//   multicast(M): source i sends M to target i (|S| = |T|)            -> M per source
//   m2ms(M), many-to-many send: M is the total moved; every source sends M/(|S||T|) to every
//     target, source s visiting targets in the rotated order s, s+1, ... (mod |T|)
//                                                                    -> M/|S| per source, M/|T| per target
//
// With `ring` the m2ms runs |T| rounds instead of all at once: rotated (round j: source s ->
// target (s + j) mod |T|, the research simulator's order), or, with Op::rotated = false, every
// source sending to target j in round j (the real-machine PP+EP script's blocking sends, which
// all address rank 4 first: a |S|-way incast per round).
#include "collectives/transfers.hpp"

namespace chimera {

Task<> multicast_collective(CollectiveCall c);
Task<> m2ms_collective(CollectiveCall c, bool in_rounds);

}  // namespace chimera
