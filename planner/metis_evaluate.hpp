#pragma once
// The per-plan computations of the Metis search, for one inter-stage plan (node sequence,
// stage sizes, micro-batch count) and one (dp, tp) strategy per stage:
//  - stage_shares: normalised stage compute performance (data load balancing inside
//    heterogeneous stages);
//  - partition: layer partition with the memory check and up to 3 re-balancing attempts
//    (the reference's partition_layer);
//  - cost: the reference's iteration-time model.
// Quirk flags (SearchOptions::quirks) select the reference's behaviour or the clean one.
#include <vector>

#include "planner/metis_balance.hpp"
#include "planner/metis_cluster.hpp"
#include "planner/metis_layout.hpp"
#include "planner/metis_options.hpp"
#include "planner/metis_plan.hpp"
#include "planner/metis_profiles.hpp"

namespace chimera::metis {

struct SearchContext {
  SearchContext(const Cluster& cluster, const ProfileSet& profiles, const ModelConstants& constants,
                const SearchOptions& options);
  const Cluster& cluster;
  const ProfileSet& profiles;
  const ModelConstants& constants;
  const SearchOptions& options;
  const Quirks& quirks;
  std::vector<int> profile_type;  // cluster type -> ProfileSet type index
  int G = 0, L = 0;

  const Profile* find(int type, int tp, int bs) const { return profiles.find(profile_type[type], tp, bs); }
  // A profile the search cannot do without: missing -> InputError naming the file.
  const Profile& need(int type, int tp, int bs) const;
};

struct StageGroup {  // one inter-stage plan
  const Layout* layout = nullptr;
  int S = 0;       // stages searched and partitioned
  int costed = 0;  // stages costed: S, or 1 for a mislabelled plan (quirk 1)
  int M = 0;
  std::vector<int> size, first;
  std::vector<double> capacity_mb;  // GPU memory of each stage
  void set(const Layout& l, const std::vector<int>& sizes, int costed_stages, const Cluster& cluster);
};

struct MemoryOutcome {
  bool ok = false;
  int attempt = 0;          // attempt that fitted (1..3)
  int failed_attempts = 0;  // counted as search steps
  std::vector<double> headroom;        // capacity - demand per stage of the fitting partition
  std::vector<double> first_headroom;  // of the first attempt, when it ran out of memory
  std::vector<int> partition;
};

class PlanEvaluator {
 public:
  explicit PlanEvaluator(const SearchContext& ctx);
  void stage_shares(const StageGroup& g, const int* dp, const int* tp, double* share);
  void partition(const StageGroup& g, const int* dp, const int* tp, const double* share, MemoryOutcome& out);
  // false when a profile the cost needs is missing (the reference's KeyError: plan skipped).
  bool cost(const StageGroup& g, const int* dp, const int* tp, const int* partition, CostBreakdown& out);

 private:
  int chunk_type(const Layout& l, int first, int size, int tp) const;
  void chunk_shares(const Layout& l, int first, int count, int dp, int tp, int batch);
  double memory_demand(const StageGroup& g, int s, int a, int b, int dp, int tp);

  const SearchContext& ctx_;
  LayerBalancer balancer_;
  std::vector<int> chunk_types_, shares_;
  std::vector<double> seconds_, c_, extra_, demand_, mem_cache_;
};

}  // namespace chimera::metis
