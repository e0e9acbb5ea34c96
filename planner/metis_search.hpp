#pragma once
// Heterogeneous-cluster plan search (Metis, Um et al., USENIX ATC'24), as the reference
// Python implementation does it, with the fork's memory-headroom strategy as an option:
//   for each node sequence, stage count S, device group, micro-batch count M:
//     walk (dp, tp) per stage from all-DP towards TP; for each strategy whose layer partition
//     passes the memory check, cost the plan; count the search steps.
// planner/README.md documents the algorithm, the counted steps and each reference quirk.
#include "planner/metis_cluster.hpp"
#include "planner/metis_options.hpp"
#include "planner/metis_plan.hpp"
#include "planner/metis_profiles.hpp"

namespace chimera::metis {

// Throws InputError on options or inputs the search cannot run with.
SearchResult search_plans(const Cluster& cluster, const ProfileSet& profiles, const ModelConstants& constants,
                          const SearchOptions& options);

// The intra-stage walk over one inter-stage plan: node sequence `sequence_index`, stage sizes,
// micro-batch count M, costing `costed_stages` stages (S, or 1 for a quirk-1 plan). The
// result's steps and plans are that walk's alone.
SearchResult search_inter_stage_plan(const Cluster& cluster, const ProfileSet& profiles,
                                     const ModelConstants& constants, const SearchOptions& options,
                                     int sequence_index, const std::vector<int>& stage_sizes, int micro_batches,
                                     int costed_stages);

}  // namespace chimera::metis
