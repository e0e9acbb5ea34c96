#pragma once
// Double binary tree all-reduce (as NCCL's tree algorithm): two binary trees over the group,
// tree A in heap order over positions (parent of p is (p-1)/2), tree B the same over the
// mirrored positions n-1-p, so that most members are interior in one tree and a leaf in the
// other. Each tree reduces half the data up to its root and broadcasts it back down,
// pipelined in C chunks: a member forwards chunk k as soon as it has it, and the root starts
// broadcasting chunk k as soon as it is reduced.
//
// With C = 1 on links of bandwidth B and latency a (one port per GPU): n = 2 takes
// 2a + M/B; n = 4 takes 4a + 2.5 M/B (the root of each tree sends to two children at once,
// and one member receives from both roots at once).
#include "collectives/transfers.hpp"

namespace chimera {

Task<> double_binary_tree_collective(CollectiveCall c);

// Chunks per tree for a message of `bytes` (CollectiveOptions::tree_chunks, or automatic).
int tree_chunks(const CollectiveOptions& o, double bytes);

}  // namespace chimera
