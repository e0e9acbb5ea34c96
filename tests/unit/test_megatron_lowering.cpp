#include <doctest/doctest.h>

#include "compute/cost_model.hpp"
#include "workloads/megatron_lowering.hpp"

using namespace chimera;

namespace {

ModelSpec tiny_model() {
  ModelSpec m;
  m.layers = 3;
  m.hidden = 256;
  m.heads = 8;
  m.ffn_hidden = 1024;
  m.vocab = 1000;
  m.sequence = 128;
  m.micro_batch = 2;
  m.bytes_per_element = 2;
  return m;
}

// A cost model with fixed times so that the lowering's arithmetic is visible.
struct FixedCost : ComputeCostModel {
  double gemm_seconds(std::int64_t, std::int64_t, std::int64_t, std::int64_t, int) const override { return 1e-3; }
  double elementwise_seconds(double) const override { return 1e-6; }
  std::string describe() const override { return "fixed"; }
};

}  // namespace

TEST_CASE("tensor parallel: 4 all-reduces per layer and micro-batch, of one activation each") {
  FixedCost cost;
  LoweringInput in;
  in.model = tiny_model();
  in.plan.tp = 4;
  in.plan.micro_batches = 3;
  in.cost_model_of = [&](int) -> const ComputeCostModel& { return cost; };
  auto programs = lower_megatron(in);
  REQUIRE(programs.size() == 4);
  for (const Program& p : programs) {
    CHECK(check_program(p).empty());
    CHECK(p.count(CollectiveKind::all_reduce) == 4u * 3 * 3);
    for (const Op& op : p.ops())
      if (op.kind == OpKind::collective) {
        CHECK(op.bytes == 2.0 * 128 * 256 * 2);  // micro_batch x sequence x hidden x bytes
        CHECK(p.group(op).ranks == std::vector<int>{0, 1, 2, 3});
      }
  }
}

// Megatron sequence parallelism: each block gathers its sequence-sharded input and
// reduce-scatters its output (forward) or input gradient (backward): 4 of each per layer and
// micro-batch, no all-reduce; layer norms, dropouts and residuals touch 1/tp of the bytes.
TEST_CASE("sequence parallel: 4 reduce-scatters and 4 all-gathers per layer and micro-batch") {
  FixedCost cost;
  LoweringInput in;
  in.model = tiny_model();
  in.plan.tp = 4;
  in.plan.micro_batches = 3;
  in.plan.sequence_parallel = true;
  in.cost_model_of = [&](int) -> const ComputeCostModel& { return cost; };
  auto programs = lower_megatron(in);
  const double act = 2.0 * 128 * 256 * 2;
  for (const Program& p : programs) {
    CHECK(check_program(p).empty());
    CHECK(p.count(CollectiveKind::all_reduce) == 0);
    CHECK(p.count(CollectiveKind::reduce_scatter) == 4u * 3 * 3);
    CHECK(p.count(CollectiveKind::all_gather) == 4u * 3 * 3);
    for (const Op& op : p.ops()) {
      if (op.kind == OpKind::collective) CHECK(op.bytes == act);
      if (op.kind == OpKind::compute && op.kernels)
        for (const Kernel& k : *op.kernels)
          if (k.name == "layernorm") CHECK(k.bytes == doctest::Approx((op.name == std::string("attn.fwd") || op.name == std::string("mlp.fwd") ? 2 : 3) * act / 4));
    }
  }
}

TEST_CASE("tensor parallel with tp = 1 has no all-reduce, data parallel adds one per layer") {
  FixedCost cost;
  LoweringInput in;
  in.model = tiny_model();
  in.plan.tp = 1;
  in.plan.dp = 2;
  in.plan.micro_batches = 2;
  in.cost_model_of = [&](int) -> const ComputeCostModel& { return cost; };
  auto programs = lower_megatron(in);
  REQUIRE(programs.size() == 2);
  const Program& p = programs[1];
  CHECK(p.count(CollectiveKind::all_reduce) == 3u);  // one gradient all-reduce per layer
  for (const Op& op : p.ops())
    if (op.kind == OpKind::collective) {
      CHECK(p.group(op).ranks == std::vector<int>{0, 1});
      CHECK(op.bytes == doctest::Approx(in.model.parameters_per_layer() * 2));
      CHECK(op.stream == kDataParallelStream);
    }
}

TEST_CASE("rank layout: tensor-parallel index fastest, then data parallel") {
  ParallelPlan plan;
  plan.tp = 2;
  plan.dp = 3;
  CHECK(tensor_parallel_group(plan, 3) == std::vector<int>{2, 3});
  CHECK(data_parallel_group(plan, 3) == std::vector<int>{1, 3, 5});
}

TEST_CASE("parameters of a GPT-2 small layer") {
  ModelSpec m;
  m.hidden = 768;
  m.ffn_hidden = 3072;
  // 12 h^2 + 13 h: 7,087,872 parameters per GPT-2 layer (124M model: 12 layers = 85M + embeddings)
  CHECK(m.parameters_per_layer() == 12.0 * 768 * 768 + 13.0 * 768);
}

TEST_CASE("program checks catch forward dependencies and foreign groups") {
  Program p;
  p.rank = 0;
  Op a;
  a.deps = {0};
  p.add(a);
  CHECK_FALSE(check_program(p).empty());
  Program q;
  q.rank = 5;
  Op c;
  c.kind = OpKind::collective;
  c.group = q.bind(make_group({0, 1}));
  q.add(c);
  CHECK(check_program(q).find("not in") != std::string::npos);
}
