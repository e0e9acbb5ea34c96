#pragma once
// Building blocks of the training-step tests: small models, a cost model with fixed times (so
// that the lowering's arithmetic is visible), and a one-call lowering of a plan.
#include <algorithm>
#include <string>
#include <vector>

#include "compute/cost_model.hpp"
#include "workloads/step/training_step.hpp"

namespace chimera::test {

inline ModelSpec tiny_model() {
  ModelSpec m;
  m.name = "tiny";
  m.layers = 3, m.hidden = 256, m.heads = 8, m.ffn_hidden = 1024, m.vocab = 1000, m.sequence = 128;
  m.micro_batch = 2, m.bytes_per_element = 2;
  return m;
}

inline ModelSpec small_model() {
  ModelSpec m = tiny_model();
  m.name = "small";
  m.layers = 8;
  return m;
}

// 8 experts, top-2, every layer MoE.
inline ModelSpec tiny_moe() {
  ModelSpec m = tiny_model();
  m.name = "tiny-moe";
  m.layers = 4;
  m.experts = 8, m.top_k = 2, m.capacity_factor = 1.0;
  return m;
}

struct FixedCost : ComputeCostModel {
  double gemm_seconds(std::int64_t, std::int64_t, std::int64_t, std::int64_t, int) const override { return 1e-3; }
  double elementwise_seconds(double) const override { return 1e-6; }
  std::string describe() const override { return "fixed"; }
};

struct Plan {
  int tp = 1, pp = 1, dp = 1, sp = 1, ep = 1, micro_batches = 1;
  ScheduleKind schedule = ScheduleKind::one_f_one_b;
  StepOptions options;
};

// Lowers `m` under `plan` with every rank on the fixed cost model.
inline TrainingStep lower_step(const ModelSpec& m, const Plan& plan) {
  static FixedCost cost;
  ParallelPlan p;
  p.tp = plan.tp, p.pp = plan.pp, p.dp = plan.dp, p.sp = plan.sp, p.ep = plan.ep, p.micro_batches = plan.micro_batches;
  p.sequence_parallel = plan.options.sequence_parallel;
  StepInput in;
  in.model = m;
  in.layout = StepLayout::uniform(p, m.micro_batch);
  in.schedule.kind = plan.schedule;
  if (plan.schedule == ScheduleKind::interleaved) in.schedule.chunks = 2;
  in.schedule.micro_batches = plan.micro_batches;
  in.options = plan.options;
  LayerSharding shard;
  shard.tp = plan.tp, shard.ep = plan.ep, shard.cp = plan.sp, shard.cp_kind = plan.options.cp_kind;
  shard.sequence_parallel = plan.options.sequence_parallel;
  shard.flash_attention = plan.options.flash_attention;
  KernelCosts costs(m, shard, [](int) -> const ComputeCostModel& { return cost; },
                    [&](int r) { return in.layout.samples_of(r); });
  in.costs = &costs;
  return lower_training_step(in);
}

inline std::size_t count_named(const Program& p, const std::string& name) {
  return std::count_if(p.ops().begin(), p.ops().end(), [&](const Op& o) { return name == o.name; });
}

inline std::vector<const Op*> ops_named(const Program& p, const std::string& name) {
  std::vector<const Op*> out;
  for (const Op& op : p.ops())
    if (name == op.name) out.push_back(&op);
  return out;
}

inline std::size_t count_kind(const Program& p, CollectiveKind k) { return p.count(k); }

}  // namespace chimera::test
