#include "planner/metis_search.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "common/input_error.hpp"
#include "planner/metis_evaluate.hpp"
#include "planner/metis_groups.hpp"
#include "planner/metis_layout.hpp"

namespace chimera::metis {
namespace {

void check_options(const Cluster& cluster, const ProfileSet& profiles, const ModelConstants& constants,
                   const SearchOptions& o, int num_gpus) {
  auto positive = [](const char* flag, double v) {
    if (!(v >= 1)) throw option_error(flag, fmt::format("{} is out of range", v), ">= 1");
  };
  positive("--layers", o.layers);
  positive("--gbs", o.global_batch);
  positive("--max-profiled-tp", o.max_profiled_tp);
  positive("--max-profiled-batch", o.max_profiled_batch);
  positive("--min-group-scale-variance", o.min_group_scale_variance);
  positive("--top", o.top_plans);
  for (auto [flag, v] : {std::pair{"--hidden-size", o.hidden_size}, {"--sequence-length", o.sequence_length},
                         {"--vocab-size", o.vocab_size}})
    positive(flag, v);
  if (static_cast<int>(constants.layer_demand.size()) != o.layers)
    throw option_error("--layers", fmt::format("{} layers, but the profiles have {}", o.layers,
                                               constants.layer_demand.size()));
  if (o.quirks.hostfile_one_digit && (num_gpus & (num_gpus - 1)) != 0)
    throw InputError({cluster.hostfile_path}, "hostfile",
                     fmt::format("{} GPUs in all; the reference planner needs a power of two (its first device "
                                 "group is the whole cluster as one stage of size 2^k)",
                                 num_gpus),
                     "a power-of-two GPU count with --compat, any count without");
  check_profile_grid(profiles, cluster.types, o.max_profiled_tp, o.max_profiled_batch);
}

// Keeps the cheapest `capacity` plans; equal costs keep enumeration order.
class TopPlans {
 public:
  explicit TopPlans(int capacity) : capacity_(capacity) {}
  bool wants(double cost) const {
    return static_cast<int>(plans_.size()) < capacity_ || cost < plans_.back().cost.total;
  }
  void add(PlanRecord p) {
    auto at = std::upper_bound(plans_.begin(), plans_.end(), p.cost.total,
                               [](double c, const PlanRecord& r) { return c < r.cost.total; });
    plans_.insert(at, std::move(p));
    if (static_cast<int>(plans_.size()) > capacity_) plans_.pop_back();
  }
  std::vector<PlanRecord> take() { return std::move(plans_); }

 private:
  int capacity_;
  std::vector<PlanRecord> plans_;
};

// The DP -> TP walk over one inter-stage plan (the reference's IntraStagePlanGenerator).
class IntraStageWalk {
 public:
  IntraStageWalk(const SearchContext& ctx, PlanEvaluator& eval) : ctx_(ctx), eval_(eval) {}

  void run(const StageGroup& g, StepCount& tally, TopPlans& top, long long& plan_index) {
    const int S = g.S;
    dp_.assign(g.size.begin(), g.size.end());
    tp_.assign(S, 1);
    share_.resize(S);
    memory_state_.clear();
    failed_state_.clear();
    bool started = false, first_attempt_fit = false;
    while (true) {  // one iteration = one has_next() call
      long long count = 0;
      bool yielded = false;
      if (!first_attempt_fit) {
        while (true) {
          if (started) {
            ++count;
            if (!next_strategy(S)) break;
          }
          started = true;
          if (!valid(g)) continue;
          eval_.stage_shares(g, dp_.data(), tp_.data(), share_.data());
          eval_.partition(g, dp_.data(), tp_.data(), share_.data(), outcome_);
          count += outcome_.failed_attempts;
          failed_state_ = outcome_.first_headroom;
          if (outcome_.ok) {
            memory_state_ = outcome_.headroom;
            first_attempt_fit = outcome_.attempt == 1;
            yielded = true;
            break;
          }
          memory_state_.clear();
        }
      }
      if (!yielded) {
        if (!ctx_.quirks.count_skips_last_call) tally.steps += count;
        return;
      }
      tally.steps += count;
      CostBreakdown cost;
      if (!eval_.cost(g, dp_.data(), tp_.data(), outcome_.partition.data(), cost)) {
        ++tally.unavailable_costs;
        continue;
      }
      ++tally.costed_plans;
      long long index = plan_index++;
      if (!top.wants(cost.total)) continue;
      PlanRecord r;
      r.index = index;
      r.sequence = g.layout->sequence;
      r.num_stages_label = g.costed;
      r.mislabelled = g.costed != g.S;
      r.device_groups = g.size;
      for (int s = 0; s < S; ++s) r.strategies.emplace_back(dp_[s], tp_[s]);
      r.micro_batches = g.M;
      r.layer_partition = outcome_.partition;
      r.partition_attempt = outcome_.attempt;
      r.cost = cost;
      top.add(std::move(r));
    }
  }

 private:
  bool valid(const StageGroup& g) const {
    const SearchOptions& o = ctx_.options;
    for (int s = 0; s < g.S; ++s) {
      int mbs = ctx_.G / dp_[s] / g.M;
      if (mbs < 1 || mbs > o.max_profiled_batch || tp_[s] > o.max_profiled_tp) return false;
    }
    return true;
  }

  // Halves the DP degree of the stage with the lowest score (ties: lower stage) that still has DP.
  bool next_strategy(int S) {
    const std::vector<double>* state = nullptr;
    if (ctx_.options.strategy == Strategy::headroom && !failed_state_.empty()) state = &failed_state_;
    else if (!memory_state_.empty()) state = &memory_state_;
    int pick = -1;
    double best = 0;
    for (int s = 0; s < S; ++s) {
      if (dp_[s] == 1) continue;
      double score = state ? (*state)[s] : 1.0 / dp_[s];
      if (pick < 0 || score < best) pick = s, best = score;
    }
    if (pick < 0) return false;
    dp_[pick] /= 2;
    tp_[pick] *= 2;
    return true;
  }

  const SearchContext& ctx_;
  PlanEvaluator& eval_;
  std::vector<int> dp_, tp_;
  std::vector<double> share_, memory_state_, failed_state_;
  MemoryOutcome outcome_;
};

}  // namespace

SearchResult search_plans(const Cluster& cluster, const ProfileSet& profiles, const ModelConstants& constants,
                          const SearchOptions& options) {
  const Quirks& q = options.quirks;
  SearchResult result;
  std::vector<std::vector<int>> sequences = node_sequences(static_cast<int>(cluster.types.size()));
  std::vector<Layout> layouts;
  for (const auto& seq : sequences) layouts.push_back(make_layout(cluster, seq, q.hostfile_one_digit));
  const int N = layouts.front().num_ranks;
  result.num_gpus = N;
  result.sequences = sequences;
  check_options(cluster, profiles, constants, options, N);

  SearchContext ctx(cluster, profiles, constants, options);
  PlanEvaluator eval(ctx);
  IntraStageWalk walk(ctx, eval);
  TopPlans top(options.top_plans);
  const std::vector<int> micro_batches = micro_batch_counts(options.global_batch);
  const int max_stages = std::min(N, options.layers);
  std::vector<bool> has_groups(max_stages + 1, false);
  for (int S = 1; S <= max_stages; ++S) {
    has_groups[S] = !size_multisets(N, S, options.min_group_scale_variance).empty();
    if (has_groups[S] && S > options.max_permute_len)
      throw option_error("--max-permute-len",
                         fmt::format("{} stages exceed it; the reference then merges equal stages before permuting, "
                                     "which is not reproduced",
                                     S),
                         fmt::format(">= {}", max_stages));
  }
  long long plan_index = 0;
  StageGroup group;
  for (std::size_t si = 0; si < sequences.size(); ++si) {
    // (label, stages): quirk 1 makes every later sequence start with the first S >= 2
    // groups labelled as one stage, and skip S = 1.
    std::vector<std::pair<int, int>> blocks;
    int from = 1;
    if (q.mislabelled_sequences && si > 0) {
      from = 2;
      for (int S = 2; S <= max_stages; ++S)
        if (has_groups[S]) {
          blocks.emplace_back(1, S);
          break;
        }
    }
    for (int S = from; S <= max_stages; ++S)
      if (has_groups[S]) blocks.emplace_back(S, S);
    for (auto [label, S] : blocks) {
      StepCount tally;
      tally.sequence_index = static_cast<int>(si);
      tally.num_stages_label = label;
      tally.mislabelled = label != S;
      // label = label: clang 14 (the fuzz build) cannot capture a structured binding.
      for_each_device_group(N, S, options.min_group_scale_variance, [&, label = label](const std::vector<int>& sizes) {
        group.set(layouts[si], sizes, label, cluster);
        for (int M : micro_batches) {
          group.M = M;
          ++tally.inter_stage_plans;
          walk.run(group, tally, top, plan_index);
        }
      });
      result.search_steps += tally.steps;
      result.inter_stage_plans += tally.inter_stage_plans;
      result.costed_plans += tally.costed_plans;
      result.unavailable_costs += tally.unavailable_costs;
      result.breakdown.push_back(tally);
    }
  }
  result.top = top.take();
  return result;
}

SearchResult search_inter_stage_plan(const Cluster& cluster, const ProfileSet& profiles,
                                     const ModelConstants& constants, const SearchOptions& options,
                                     int sequence_index, const std::vector<int>& stage_sizes, int micro_batches,
                                     int costed_stages) {
  SearchResult result;
  result.sequences = node_sequences(static_cast<int>(cluster.types.size()));
  if (sequence_index < 0 || sequence_index >= static_cast<int>(result.sequences.size()))
    throw option_error("sequence", fmt::format("no node sequence {}", sequence_index));
  Layout layout = make_layout(cluster, result.sequences[sequence_index], options.quirks.hostfile_one_digit);
  result.num_gpus = layout.num_ranks;
  check_options(cluster, profiles, constants, options, layout.num_ranks);
  int total = 0;
  for (int g : stage_sizes) total += g;
  if (total != layout.num_ranks || costed_stages < 1 || costed_stages > static_cast<int>(stage_sizes.size()) ||
      micro_batches < 1 || options.global_batch % micro_batches != 0)
    throw option_error("stage_sizes", "not an inter-stage plan of this cluster");
  SearchContext ctx(cluster, profiles, constants, options);
  PlanEvaluator eval(ctx);
  IntraStageWalk walk(ctx, eval);
  TopPlans top(options.top_plans);
  StageGroup group;
  group.set(layout, stage_sizes, costed_stages, cluster);
  group.M = micro_batches;
  StepCount tally;
  tally.sequence_index = sequence_index;
  tally.num_stages_label = costed_stages;
  tally.mislabelled = costed_stages != group.S;
  tally.inter_stage_plans = 1;
  long long plan_index = 0;
  walk.run(group, tally, top, plan_index);
  result.search_steps = tally.steps;
  result.inter_stage_plans = 1;
  result.costed_plans = tally.costed_plans;
  result.unavailable_costs = tally.unavailable_costs;
  result.breakdown.push_back(tally);
  result.top = top.take();
  return result;
}

}  // namespace chimera::metis
