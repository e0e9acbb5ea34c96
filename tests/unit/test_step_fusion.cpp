// The six fused pairs inside a training step: what each moves, against the research's formulas
// (shared/reference/isca25-fusion.md §3) and hand counts. M = one activation of tiny_model,
// 2 x 128 x 256 x 2 = 131072 B.
#include <doctest/doctest.h>

#include "tests/unit/step_test_util.hpp"

using namespace chimera;
using namespace chimera::test;

namespace {

constexpr double M = 2.0 * 128 * 256 * 2;

std::size_t count_bytes(const Program& p, CollectiveKind kind, double bytes) {
  std::size_t n = 0;
  for (const Op& op : p.ops())
    if (op.kind == OpKind::collective && op.collective == kind && op.bytes == bytes) ++n;
  return n;
}

Plan pipeline(int tp, int pp, int N) {
  Plan plan;
  plan.tp = tp, plan.pp = pp, plan.micro_batches = N, plan.schedule = ScheduleKind::gpipe;
  plan.options.overlap_grad_reduce = false;
  return plan;
}

}  // namespace

TEST_CASE("fusion tp+pp: the stage boundary reduce-scatters and sends M in total to the next TP group") {
  // Research TP+PP fused: ReduceScatter(M) in S -> M2MS(M) S->T (M/T^2 per pair) -> AllGather(M) in T.
  Plan base = pipeline(2, 2, 2);
  Plan fused = base;
  fused.options.fusion.add(FusionPair::tp_pp);
  const TrainingStep b = lower_step(small_model(), base), f = lower_step(small_model(), fused);
  const Program& source = f.programs[0];
  auto m2ms = ops_named(source, "pp.m2ms.act");
  REQUIRE(m2ms.size() == 2);  // one per micro-batch
  for (const Op* op : m2ms) {
    CHECK(op->collective == CollectiveKind::m2ms);
    CHECK(op->bytes == M);
    CHECK(source.group(*op).ranks == std::vector<int>{0, 1});
    CHECK(source.targets(*op)->ranks == std::vector<int>{2, 3});
  }
  CHECK(count_named(source, "pp.send.act") == 0);
  CHECK(count_named(b.programs[0], "pp.send.act") == 2);
  // Stage 0's last block reduce-scatters (forward) and gathers its gradient (backward); stage
  // 1's first block gathers its input (forward) and reduce-scatters its input gradient.
  CHECK(count_bytes(source, CollectiveKind::reduce_scatter, M) == 2);
  CHECK(count_bytes(source, CollectiveKind::all_gather, M) == 2);
  CHECK(count_named(f.programs[2], "tp.allgather") == 2);
  // ... and, as under sequence parallelism, re-gathers it for the weight gradient.
  CHECK(count_named(f.programs[2], "tp.allgather.input") == 2);
  CHECK(count_bytes(f.programs[2], CollectiveKind::reduce_scatter, M) == 2);
  CHECK(count_bytes(b.programs[0], CollectiveKind::reduce_scatter, M) == 0);
  for (const Program& p : f.programs) CHECK(check_program(p).empty());
}

TEST_CASE("fusion pp+sp: one many-to-many gives the next stage the whole sequence without its all-gather") {
  // Research PP+SP fused (reading b, every target needs the full sequence): every source sends
  // its M/tp shard to every target: tp x M in total; the next stage's first block neither
  // gathers its input nor reduces its input gradient (the partial gradients go back the same
  // way and are summed where they arrive).
  Plan base = pipeline(2, 2, 2);
  base.options.sequence_parallel = true;
  Plan fused = base;
  fused.options.fusion.add(FusionPair::pp_sp);
  const TrainingStep b = lower_step(small_model(), base), f = lower_step(small_model(), fused);
  for (const Op* op : ops_named(f.programs[0], "pp.m2ms.act")) CHECK(op->bytes == 2 * M);
  for (const Op* op : ops_named(f.programs[2], "pp.m2ms.grad")) CHECK(op->bytes == 2 * M);
  CHECK(ops_named(f.programs[0], "pp.m2ms.act").size() == 2);
  const Program& target = f.programs[2], plain = b.programs[2];
  CHECK(count_named(target, "tp.allgather") + 2 == count_named(plain, "tp.allgather"));
  CHECK(count_named(target, "tp.allgather.input") + 2 == count_named(plain, "tp.allgather.input"));
  CHECK(count_named(target, "tp.reducescatter") + 2 == count_named(plain, "tp.reducescatter"));
  for (const Program& p : f.programs) CHECK(check_program(p).empty());
}

TEST_CASE("fusion tp+ep: the reduction before each MoE block is a reduce-scatter, the rest of the chain unchanged") {
  // tiny_moe (4 MoE layers), tp = 2, dp = 2, ep = 2, one micro-batch. Baseline: attention
  // outputs all-reduced (4 forward, 4 backward) plus the embedding's and the LM head's (2), the
  // MoE output all-gathered back to replicated (4 + 4 in the backward, the slice's backward).
  // Fused: the attention outputs reduce-scatter (4) and the next attention and the LM head
  // gather their input (4); backward: gradient gathers (4), input re-gathers for the weight
  // gradients (4), reduce-scatters of the input gradients (3 attention + LM head), one all-
  // reduce for layer 0's replicated input and the embedding's forward one.
  Plan base;
  base.tp = 2, base.dp = 2, base.ep = 2;
  Plan fused = base;
  fused.options.fusion.add(FusionPair::tp_ep);
  const Program b = lower_step(tiny_moe(), base).programs[0];
  const Program f = lower_step(tiny_moe(), fused).programs[0];
  CHECK(count_bytes(b, CollectiveKind::all_reduce, M) == 10);
  CHECK(count_bytes(b, CollectiveKind::reduce_scatter, M) == 0);
  CHECK(count_bytes(b, CollectiveKind::all_gather, M) == 8);
  CHECK(count_bytes(f, CollectiveKind::all_reduce, M) == 2);
  CHECK(count_bytes(f, CollectiveKind::reduce_scatter, M) == 8);
  CHECK(count_bytes(f, CollectiveKind::all_gather, M) == 12);
  // The expert exchange is the same: dispatch/combine all-to-alls of the rank's 1/tp slice:
  // 128 tokens x 2 x 256 x 2 B, and the expert shards' gather/scatter over tp of twice that.
  const double buffer = 128.0 * 2 * 256 * 2;
  CHECK(count_bytes(f, CollectiveKind::all_to_all, buffer) == 16);
  CHECK(count_bytes(b, CollectiveKind::all_to_all, buffer) == 16);
  CHECK(count_bytes(f, CollectiveKind::all_gather, 2 * buffer) == 8);
  CHECK(check_program(f).empty());
}

TEST_CASE("fusion pp+ep: the last MoE layer's experts send straight to the next stage, which combines") {
  // tiny_moe, pp = 2 (layers 0-1 | 2-3), dp = 2, ep = 2, tp = 1, one micro-batch. Research
  // PP+EP fused: one M2MS moving M k G in total instead of P2P + AllToAll: here the EP group's
  // two expert buffers (2 x 256 tokens x 2 x 256 x 2 B).
  Plan base = pipeline(1, 2, 1);
  base.dp = 2, base.ep = 2;
  Plan fused = base;
  fused.options.fusion.add(FusionPair::pp_ep);
  const TrainingStep b = lower_step(tiny_moe(), base), f = lower_step(tiny_moe(), fused);
  const double buffer = 256.0 * 2 * 256 * 2;
  const Program& s0 = f.programs[0];
  auto act = ops_named(s0, "pp+ep.m2ms.act");
  REQUIRE(act.size() == 1);
  CHECK(act[0]->bytes == 2 * buffer);
  CHECK(s0.group(*act[0]).ranks == std::vector<int>{0, 1});
  CHECK(s0.targets(*act[0])->ranks == std::vector<int>{2, 3});
  // Stage 0 skips layer 1's combine all-to-all and its backward: 4 + 2 instead of 8.
  CHECK(s0.count(CollectiveKind::all_to_all) == 6);
  CHECK(b.programs[0].count(CollectiveKind::all_to_all) == 8);
  // The residual still travels point to point; stage 1 combines, forward and backward.
  CHECK(count_named(s0, "pp.send.act") == 1);
  CHECK(count_named(f.programs[2], "moe.combine.fwd") == 1);
  CHECK(count_named(f.programs[2], "moe.combine.bwd.ig") == 1);
  CHECK(ops_named(f.programs[2], "pp+ep.m2ms.grad").size() == 1);
  for (const Program& p : f.programs) CHECK(check_program(p).empty());
}

TEST_CASE("fusion sp+ep: experts dispatch from the sequence shard, no gather of the context-parallel shards") {
  // tiny_moe, sp = 2 (ring), ep = 2 over the 2 context-parallel ranks. Baseline: the research's
  // AllGather of the shards before each dispatch (gathered size 2 x M/2 = M) and its backward
  // reduce-scatter; fused: neither.
  Plan base;
  base.sp = 2, base.ep = 2;
  Plan fused = base;
  fused.options.fusion.add(FusionPair::sp_ep);
  const Program b = lower_step(tiny_moe(), base).programs[0];
  const Program f = lower_step(tiny_moe(), fused).programs[0];
  CHECK(count_named(b, "cp.allgather") == 4);
  CHECK(count_named(b, "cp.reducescatter") == 4);
  for (const Op* op : ops_named(b, "cp.allgather")) CHECK(op->bytes == M);
  CHECK(count_named(f, "cp.allgather") == 0);
  CHECK(count_named(f, "cp.reducescatter") == 0);
  CHECK(f.count(CollectiveKind::all_to_all) == b.count(CollectiveKind::all_to_all));
}

TEST_CASE("fusion tp+sp is Megatron sequence parallelism") {
  Plan a, c;
  a.tp = c.tp = 2;
  a.options.sequence_parallel = true;
  c.options.fusion.add(FusionPair::tp_sp);
  const Program pa = lower_step(tiny_model(), a).programs[0], pc = lower_step(tiny_model(), c).programs[0];
  REQUIRE(pa.ops().size() == pc.ops().size());
  for (std::size_t i = 0; i < pa.ops().size(); ++i) CHECK(std::string(pa.ops()[i].name) == pc.ops()[i].name);
}
