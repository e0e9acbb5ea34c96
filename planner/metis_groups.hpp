#pragma once
// Inter-stage enumeration of the Metis planner: the GPU counts of S pipeline stages
// ("device groups"). Stage sizes are powers of two >= max(N div S, S div N) * variance; the
// size multisets summing to N come in lexicographic order, and each multiset's distinct
// orderings in the order of Williams' loopless prefix-shift algorithm (2009, as in
// ekg/multipermute), starting from the non-increasing arrangement.
#include <functional>
#include <vector>

namespace chimera::metis {

std::vector<int> allowed_stage_sizes(int num_gpus, int num_stages, int variance);

// Non-decreasing S-tuples of allowed sizes summing to N, lexicographic.
std::vector<std::vector<int>> size_multisets(int num_gpus, int num_stages, int variance);

// Visits every distinct permutation of `multiset` in prefix-shift order.
void for_each_multiset_permutation(std::vector<int> multiset, const std::function<void(const std::vector<int>&)>& visit);

// Every device group of S stages, in the reference's order; returns how many there were.
long long for_each_device_group(int num_gpus, int num_stages, int variance,
                                const std::function<void(const std::vector<int>&)>& visit);
std::vector<std::vector<int>> device_groups(int num_gpus, int num_stages, int variance);

// Divisors of G, largest first (the micro-batch counts tried).
std::vector<int> micro_batch_counts(int global_batch);

}  // namespace chimera::metis
