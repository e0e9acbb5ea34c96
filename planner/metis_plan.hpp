#pragma once
// Results of the heterogeneous plan search: a plan is a node sequence (GPU-type order of the
// rank layout), stage sizes, a (dp, tp) strategy per stage, the micro-batch count and a layer
// partition, with its modelled iteration time. plan_stages() turns one into explicit rank and
// layer ranges with the hosts they run on (what a simulation of the plan needs).
#include <string>
#include <utility>
#include <vector>

#include "planner/metis_cluster.hpp"

namespace chimera::metis {

struct CostBreakdown {  // ms, summed in this order
  double execution = 0;     // pipeline: (M-1) max_s E_s + sum_s E_s
  double fb_sync = 0;       // non-layer fwd/bwd time of the last stage, x M
  double update = 0;        // max over stages of the optimizer step
  double dp_allreduce = 0;  // max over stages of the gradient all-reduce
  double p2p = 0;           // activations between stages
  double batch_gen = 0;     // batch generator, x M
  double total = 0;
};

struct PlanRecord {
  long long index = 0;          // order among costed plans (ties go to the lower index)
  std::vector<int> sequence;    // node sequence: cluster type indices
  int num_stages_label = 0;     // stage count the enumeration labelled the plan with
  bool mislabelled = false;     // reference quirk 1: only stage 0 was costed
  std::vector<int> device_groups;                  // GPUs per stage
  std::vector<std::pair<int, int>> strategies;     // (dp, tp) per stage
  int micro_batches = 0;                           // M
  std::vector<int> layer_partition;                // S+1 prefix sums
  int partition_attempt = 0;                       // 1..3 (memory re-balancing rounds)
  CostBreakdown cost;
};

struct StagePlan {
  int first_rank = 0, num_ranks = 0;
  int dp = 1, tp = 1;
  int first_layer = 0, end_layer = 0;  // [first, end)
  int micro_batch_size = 0;            // G div dp div M
  std::vector<int> rank_hosts;         // per rank of the stage: index into Cluster::nodes
  std::vector<std::string> gpu_types;  // per rank of the stage
};

// `uniform_slots` must match the search's hostfile quirk setting.
std::vector<StagePlan> plan_stages(const PlanRecord& plan, const Cluster& cluster, int global_batch, bool uniform_slots);

struct StepCount {  // search steps per (node sequence, labelled stage count)
  int sequence_index = 0;
  int num_stages_label = 0;
  bool mislabelled = false;
  long long steps = 0, inter_stage_plans = 0, costed_plans = 0, unavailable_costs = 0;
};

struct SearchResult {
  long long search_steps = 0;
  long long inter_stage_plans = 0, costed_plans = 0;
  long long unavailable_costs = 0;  // plans whose cost needs a profile that does not exist
  std::vector<PlanRecord> top;      // cheapest first
  std::vector<StepCount> breakdown;
  std::vector<std::vector<int>> sequences;  // node sequences in search order
  int num_gpus = 0;
};

}  // namespace chimera::metis
