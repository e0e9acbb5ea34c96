#pragma once
// Ring algorithms, step by step. For a group of n ranks, rank at position i sends to
// position i+1 and receives from position i-1 (positions inside the group, wrapping at n).
//
//   reduce-scatter(S): n-1 steps, each moving S/n          -> (n-1)/n * S per rank
//   all-gather(S):     n-1 steps, each moving S/n          -> (n-1)/n * S per rank
//   all-reduce(S):     reduce-scatter then all-gather      -> 2(n-1)/n * S per rank
//
// On links of bandwidth B and route latency a without contention, an all-reduce takes
// 2(n-1) * (a + S/(n B)).
#include "collectives/comm_context.hpp"
#include "workloads/program.hpp"

namespace chimera {

// `steps` rounds in which every member sends `chunk_bytes` to its successor.
void ring_steps(CommContext& ctx, const Group& g, int rank, int stream, int steps, double chunk_bytes);

void ring_allreduce(CommContext& ctx, const Group& g, int rank, int stream, double bytes);
void ring_reduce_scatter(CommContext& ctx, const Group& g, int rank, int stream, double bytes);
void ring_allgather(CommContext& ctx, const Group& g, int rank, int stream, double bytes);

}  // namespace chimera
