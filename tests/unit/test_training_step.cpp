// The one training-step lowering: per dimension, the number and bytes of each collective per
// layer and pass against hand-derived counts (tiny_model: 3 layers, hidden 256, 8 heads,
// sequence 128, micro-batch 2, 2-byte elements: one activation M = 2 x 128 x 256 x 2 = 131072 B).
#include <doctest/doctest.h>

#include <set>

#include "tests/unit/step_test_util.hpp"

using namespace chimera;
using namespace chimera::test;

namespace {
constexpr double M = 2.0 * 128 * 256 * 2;
}

TEST_CASE("step: tensor parallel, one stage: an all-reduce per block and pass, embedding and LM head included") {
  // Forward per micro-batch: embedding, 3 x (attention, MLP) -> 7 all-reduces (the LM head's
  // output is the loss). Backward: LM head, 3 x (MLP, attention) -> 7 (the embedding's input is
  // token ids). 14 per micro-batch, 3 micro-batches.
  Plan plan;
  plan.tp = 4, plan.micro_batches = 3;
  TrainingStep t = lower_step(tiny_model(), plan);
  REQUIRE(t.programs.size() == 4);
  for (const Program& p : t.programs) {
    CHECK(check_program(p).empty());
    CHECK(p.count(CollectiveKind::all_reduce) == 14u * 3);
    for (const Op& op : p.ops())
      if (op.kind == OpKind::collective) {
        CHECK(op.bytes == M);
        CHECK(p.group(op).ranks == std::vector<int>{0, 1, 2, 3});
      }
  }
  CHECK(t.roles == 1);  // the four ranks share one op list
  CHECK(t.programs[0].body == t.programs[3].body);
}

TEST_CASE("step: sequence parallelism counts the backward all-gathers of the weight gradients") {
  // Forward per micro-batch: reduce-scatter after the embedding and each of the 6 blocks (7),
  // all-gather before each block and the LM head (7). Backward: the LM head and 6 blocks
  // reduce-scatter their input gradient (7); the 6 blocks gather their output gradient (6), the
  // embedding its too (1), and the LM head and 6 blocks re-gather their input for the weight
  // gradient (7, Megatron's backward all-gather: two per layer): 14.
  Plan plan;
  plan.tp = 4, plan.micro_batches = 3;
  plan.options.sequence_parallel = true;
  TrainingStep t = lower_step(tiny_model(), plan);
  for (const Program& p : t.programs) {
    CHECK(check_program(p).empty());
    CHECK(p.count(CollectiveKind::all_reduce) == 0);
    CHECK(p.count(CollectiveKind::reduce_scatter) == 14u * 3);
    CHECK(p.count(CollectiveKind::all_gather) == 21u * 3);
    CHECK(count_named(p, "tp.allgather.input") == 7u * 3);
    for (const Op& op : p.ops()) {
      if (op.kind == OpKind::collective) CHECK(op.bytes == M);
      if (op.kind == OpKind::compute && op.kernels)
        for (const Kernel& k : *op.kernels)
          if (k.name == "layernorm") CHECK(k.bytes == doctest::Approx((std::string(op.name).find("fwd") != std::string::npos ? 2 : 3) * M / 4));
    }
  }
}

TEST_CASE("step: the weight gradient waits for the re-gathered input, the input gradient does not") {
  Plan plan;
  plan.tp = 2;
  plan.options.sequence_parallel = true;
  TrainingStep t = lower_step(tiny_model(), plan);
  const Program& p = t.programs[0];
  const auto wg = ops_named(p, "mlp.bwd.wg");
  REQUIRE(wg.size() == 3);
  int gathered = 0;
  for (OpIndex d : wg[0]->deps) gathered += std::string(p.ops()[d].name) == "tp.allgather.input";
  CHECK(gathered == 1);
  for (const Op* ig : ops_named(p, "mlp.bwd.ig"))
    for (OpIndex d : ig->deps) CHECK(std::string(p.ops()[d].name) != "tp.allgather.input");
}

TEST_CASE("step: data parallel, overlapped: each block's gradients all-reduced once, after its last backward") {
  // tp = 1, dp = 2, 2 micro-batches: embedding, 3 attention, 3 MLP and LM head blocks: 8
  // all-reduces of the block's parameters x 2 bytes, over {0, 1}, after the last micro-batch.
  Plan plan;
  plan.dp = 2, plan.micro_batches = 2;
  const ModelSpec m = tiny_model();
  TrainingStep t = lower_step(m, plan);
  const Program& p = t.programs[1];
  auto ar = ops_named(p, "dp.allreduce");
  REQUIRE(ar.size() == 8);
  std::multiset<double> bytes;
  for (const Op* op : ar) {
    CHECK(p.group(*op).ranks == std::vector<int>{0, 1});
    CHECK(op->stream == kDataParallelStream);
    bytes.insert(op->bytes);
  }
  const double attention = 4.0 * 256 * 256 + 4 * 256 + 4 * 256;  // QKV, out-proj, their biases, two layer norms
  const double mlp = 2.0 * 256 * 1024 + 1024 + 256;
  CHECK(bytes.count(attention * 2) == 3);
  CHECK(bytes.count(mlp * 2) == 3);
  CHECK(bytes.count((1000.0 * 256 + 128 * 256) * 2) == 1);  // tokens + learned positions
  CHECK(bytes.count(2.0 * 256 * 2) == 1);  // the LM head: its final norm (the tied output layer is the embedding)
  // All of them wait for a backward of the last micro-batch.
  for (const Op* op : ar)
    for (OpIndex d : op->deps) CHECK(p.ops()[d].micro_batch == 1);
}

TEST_CASE("step: 1f1b over two stages, tp = 1: one compute op per action, sends and receives, no gradient sync") {
  Plan plan;
  plan.pp = 2, plan.micro_batches = 3;
  plan.options.overlap_grad_reduce = false;
  TrainingStep t = lower_step(small_model(), plan);
  REQUIRE(t.programs.size() == 2);
  for (const Program& p : t.programs) CHECK(check_program(p).empty());
  const Program& first = t.programs[0];
  CHECK(count_named(first, "fwd") == 3);
  CHECK(count_named(first, "bwd") == 3);
  CHECK(count_named(first, "pp.send.act") == 3);
  CHECK(count_named(first, "pp.recv.grad") == 3);
  CHECK(count_named(first, "dp.allreduce") == 0);
  CHECK(count_named(first, "optimizer") == 1);
  for (const Op& o : first.ops())
    if (o.kind == OpKind::send) {
      CHECK(first.peer(o) == 1);
      CHECK(o.bytes == M);
    }
}

TEST_CASE("step: chimera with two replicas: gradient groups of 2W ranks in the schedule's sync order") {
  Plan plan;
  plan.pp = 4, plan.dp = 2, plan.micro_batches = 4, plan.schedule = ScheduleKind::chimera;
  plan.options.overlap_grad_reduce = false;
  TrainingStep t = lower_step(small_model(), plan);
  auto groups = [&](int rank) {
    std::vector<std::vector<int>> out;
    for (const Op& o : t.programs[rank].ops())
      if (std::string(o.name) == "dp.allreduce") out.push_back(t.programs[rank].group(o).ranks);
    return out;
  };
  CHECK(groups(0) == std::vector<std::vector<int>>{{0, 1, 6, 7}, {0, 1, 6, 7}});  // stage 3 then stage 0
  CHECK(groups(2) == std::vector<std::vector<int>>{{2, 3, 4, 5}, {2, 3, 4, 5}});  // stage 2 then stage 1
}

TEST_CASE("step: context parallelism, Ulysses: two all-to-alls around each attention core per pass") {
  // sp = 2: each rank holds 64 of the 128 tokens. Q, K, V of its tokens: 2 x 64 x 768 x 2 B;
  // the context back: 2 x 64 x 256 x 2 B. 3 layers x (fwd 2 + bwd 2).
  Plan plan;
  plan.sp = 2;
  plan.options.cp_kind = ContextParallelKind::ulysses;
  TrainingStep t = lower_step(tiny_model(), plan);
  const Program& p = t.programs[0];
  CHECK(check_program(p).empty());
  CHECK(p.count(CollectiveKind::all_to_all) == 12);
  for (const Op* op : ops_named(p, "cp.alltoall.qkv")) CHECK(op->bytes == 2.0 * 64 * 768 * 2);
  for (const Op* op : ops_named(p, "cp.alltoall.ctx")) CHECK(op->bytes == 2.0 * 64 * 256 * 2);
  CHECK(p.group(*ops_named(p, "cp.alltoall.qkv")[0]).ranks == std::vector<int>{0, 1});
  // The core runs over the whole sequence for heads/sp = 4 heads: batch 2 x 4.
  const Op* core = ops_named(p, "attn.core.fwd")[0];
  REQUIRE(core->kernels);
  CHECK(core->kernels->front().name == "qk^T");
  CHECK(core->kernels->front().batch == 8);
  CHECK(core->kernels->front().m == 128);
}

TEST_CASE("step: context parallelism, ring: K/V blocks pass around, one core step per block") {
  // sp = 4: 3 sends of K and V (2 x 32 x 2 x 256 x 2 B) per attention forward, 3 of K, V and
  // their gradients (twice that) per backward; 4 core steps each way.
  Plan plan;
  plan.sp = 4;
  TrainingStep t = lower_step(tiny_model(), plan);
  const Program& p = t.programs[1];
  CHECK(check_program(p).empty());
  const double kv = 2.0 * 32 * 2 * 256 * 2;
  auto sends = ops_named(p, "cp.send.kv");
  CHECK(sends.size() == 3 * 3 * 2);
  int fwd = 0, bwd = 0;
  for (const Op* s : sends) {
    if (s->bytes == kv) ++fwd;
    if (s->bytes == 2 * kv) ++bwd;
    CHECK(p.peer(*s) == 2);  // the next rank of the ring {0, 1, 2, 3}
  }
  CHECK(fwd == 9);
  CHECK(bwd == 9);
  CHECK(count_named(p, "attn.core.fwd") == 4 * 3);
  CHECK(count_named(p, "attn.core.bwd.ig") == 4 * 3);
  for (const Op* r : ops_named(p, "cp.recv.kv")) CHECK(p.peer(*r) == 0);
}

TEST_CASE("step: experts: router, dispatch and combine all-to-alls of tokens x top-k x hidden, experts sized by capacity") {
  // tiny_moe: 4 MoE layers, 8 experts, top-2, capacity factor 1. dp = 2, ep = 2: each rank
  // dispatches its 256 tokens x 2 copies x 256 x 2 B = 262144 B; 4 experts per rank, each
  // receiving capacity 2 x 256 / 8 = 64 tokens from each of the 2 ranks (128 rows).
  Plan plan;
  plan.dp = 2, plan.ep = 2;
  TrainingStep t = lower_step(tiny_moe(), plan);
  const Program& p = t.programs[0];
  CHECK(check_program(p).empty());
  CHECK(p.count(CollectiveKind::all_to_all) == 4u * 4);  // per layer: dispatch, combine, and their backwards
  for (const Op& op : p.ops())
    if (op.kind == OpKind::collective && op.collective == CollectiveKind::all_to_all) {
      CHECK(op.bytes == 256.0 * 2 * 256 * 2);
      CHECK(p.group(op).ranks == std::vector<int>{0, 1});
    }
  const Op* experts = ops_named(p, "moe.experts.fwd")[0];
  REQUIRE(experts->kernels);
  bool seen = false;
  for (const Kernel& k : *experts->kernels)
    if (k.name == "expert-fc1") {
      seen = true;
      CHECK(k.batch == 4);
      CHECK(k.m == 128);
    }
  CHECK(seen);
  const Op* router = ops_named(p, "moe.pre.fwd")[0];
  REQUIRE(router->kernels);
  CHECK(std::any_of(router->kernels->begin(), router->kernels->end(), [](const Kernel& k) { return k.name == "router"; }));
  // Expert gradients are reduced over the ranks holding the same experts: ep = dp x sp here,
  // so none; dense ones over {0, 1}.
  CHECK(count_named(p, "edp.allreduce") == 0);
  CHECK(count_named(p, "dp.allreduce") > 0);
}

TEST_CASE("step: expert groups over dp x sp and expert-data-parallel groups") {
  Plan plan;
  plan.dp = 4, plan.ep = 2;
  TrainingStep t = lower_step(tiny_moe(), plan);
  const Program& p = t.programs[3];
  for (const Op& op : p.ops())
    if (op.kind == OpKind::collective && op.collective == CollectiveKind::all_to_all)
      CHECK(p.group(op).ranks == std::vector<int>{2, 3});
  auto edp = ops_named(p, "edp.allreduce");
  REQUIRE(!edp.empty());
  CHECK(p.group(*edp[0]).ranks == std::vector<int>{1, 3});
  // One MoE layer's routed experts on this rank: 4 of 8, each 2 x 256 x 1024 + 1024 + 256.
  CHECK(edp[0]->bytes == 4 * (2.0 * 256 * 1024 + 1024 + 256) * 2);
}

TEST_CASE("step: ZeRO-3 gathers every block's parameters per micro-batch and pass and reduce-scatters its gradients") {
  // dp = 2, 2 micro-batches, 8 blocks: forward and backward all-gathers 8 x 2 x 2 = 32;
  // reduce-scatters after every backward 8 x 2 = 16; no all-reduce.
  Plan plan;
  plan.dp = 2, plan.micro_batches = 2;
  plan.options.zero_stage = 3;
  TrainingStep t = lower_step(tiny_model(), plan);
  const Program& p = t.programs[0];
  CHECK(check_program(p) == "");
  CHECK(count_named(p, "zero.allgather") == 32);
  CHECK(count_named(p, "dp.reducescatter") == 16);
  CHECK(count_named(p, "dp.allreduce") == 0);
}

TEST_CASE("step: ZeRO-1 reduce-scatters once and gathers the updated parameters once") {
  Plan plan;
  plan.dp = 2, plan.micro_batches = 2;
  plan.options.zero_stage = 1;
  TrainingStep t = lower_step(tiny_model(), plan);
  const Program& p = t.programs[0];
  CHECK(count_named(p, "zero.allgather") == 8);
  CHECK(count_named(p, "dp.reducescatter") == 8);
}

TEST_CASE("step: selective recomputation recomputes each attention core before its backward") {
  Plan plan;
  plan.tp = 2, plan.micro_batches = 2;
  plan.options.recompute = RecomputeKind::selective;
  TrainingStep t = lower_step(tiny_model(), plan);
  CHECK(count_named(t.programs[0], "attn.core.recompute.fwd") == 3 * 2);
  plan.options.flash_attention = true;  // FlashAttention keeps nothing to recompute selectively
  CHECK(count_named(lower_step(tiny_model(), plan).programs[0], "attn.core.recompute.fwd") == 0);
}

TEST_CASE("step: ranks of one role share an op list and bind their own groups and peers") {
  Plan plan;
  plan.tp = 2, plan.pp = 2, plan.dp = 2, plan.micro_batches = 2;
  plan.options.overlap_grad_reduce = false;
  TrainingStep t = lower_step(small_model(), plan);
  CHECK(t.roles == 2);
  CHECK(t.programs[0].body == t.programs[3].body);
  CHECK(t.programs[0].body != t.programs[4].body);
  const Program& p = t.programs[3];  // tp 1, dp 1, worker 0
  for (const Op& op : p.ops()) {
    if (std::string(op.name) == "tp.allreduce") CHECK(p.group(op).ranks == std::vector<int>{2, 3});
    if (op.kind == OpKind::send) CHECK(p.peer(op) == 7);
  }
  for (const Program& q : t.programs) CHECK(check_program(q).empty());
}
