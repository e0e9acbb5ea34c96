// Pipeline lowering: programs per rank from a schedule (engine-free checks of their shape).
#include <doctest/doctest.h>

#include <algorithm>
#include <set>
#include <string>

#include "compute/cost_model.hpp"
#include "workloads/megatron_lowering.hpp"
#include "workloads/pipeline_lowering.hpp"

using namespace chimera;

namespace {

ModelSpec small_model() {
  ModelSpec m;
  m.layers = 8, m.hidden = 256, m.heads = 8, m.ffn_hidden = 1024, m.vocab = 1000, m.sequence = 128, m.micro_batch = 2;
  return m;
}

struct FixedCost : ComputeCostModel {
  double gemm_seconds(std::int64_t, std::int64_t, std::int64_t, std::int64_t, int) const override { return 1e-3; }
  double elementwise_seconds(double) const override { return 1e-6; }
  std::string describe() const override { return "fixed"; }
};

PipelineLowering lower(ScheduleKind kind, int tp, int pp, int dp, int N, bool recompute = false,
                       bool sequence_parallel = false) {
  static FixedCost cost;
  PipelineLoweringInput in;
  in.model = small_model();
  in.plan.tp = tp, in.plan.pp = pp, in.plan.dp = dp, in.plan.micro_batches = N;
  in.plan.sequence_parallel = sequence_parallel;
  in.pipeline.schedule.kind = kind;
  if (kind == ScheduleKind::interleaved) in.pipeline.schedule.chunks = 2;
  in.pipeline.memory.recompute = recompute;
  in.cost_model_of = [](int) -> const ComputeCostModel& { return cost; };
  return lower_pipeline(in);
}

std::size_t count_named(const Program& p, const std::string& name) {
  return std::count_if(p.ops().begin(), p.ops().end(), [&](const Op& o) { return name == o.name; });
}

}  // namespace

TEST_CASE("1f1b over two stages: one compute op per pass with sends and receives and no gradient sync without dp") {
  PipelineLowering l = lower(ScheduleKind::one_f_one_b, 1, 2, 1, 3);
  REQUIRE(l.programs.size() == 2);
  for (const Program& p : l.programs) CHECK(check_program(p).empty());
  const Program& first = l.programs[0];
  CHECK(count_named(first, "fwd") == 3);
  CHECK(count_named(first, "bwd") == 3);
  CHECK(count_named(first, "pp.send.act") == 3);
  CHECK(count_named(first, "pp.recv.grad") == 3);
  CHECK(count_named(first, "pp.recv.act") == 0);
  CHECK(count_named(first, "dp.allreduce") == 0);
  CHECK(count_named(first, "optimizer") == 1);
  const Program& second = l.programs[1];
  CHECK(count_named(second, "pp.recv.act") == 3);
  CHECK(count_named(second, "pp.send.grad") == 3);
  // Matching channels; messages carry one activation tensor b x s x h x e.
  const double act = 2.0 * 128 * 256 * 2;
  std::set<int> send_channels, recv_channels;
  for (const Op& o : first.ops())
    if (o.kind == OpKind::send) {
      send_channels.insert(o.effective_channel());
      CHECK(o.bytes == act);
      CHECK(first.peer(o) == 1);
    }
  for (const Op& o : second.ops())
    if (o.kind == OpKind::recv) {
      recv_channels.insert(o.effective_channel());
      CHECK(second.peer(o) == 0);
    }
  CHECK(send_channels == recv_channels);
  // Sends and receives sit on their own streams, not the compute stream.
  for (const Op& o : first.ops())
    if (o.kind == OpKind::send || o.kind == OpKind::recv) CHECK(o.stream > kPipelineStream);
  // Four layers per stage; stage 0 with the embedding, stage 1 with the LM head.
  CHECK(l.partition.layers == std::vector<int>{4, 4});
  CHECK(l.live_activations[0].size() == 3);
}

TEST_CASE("chimera with two replicas: rank layout and gradient groups of 2W ranks in sync order") {
  PipelineLowering l = lower(ScheduleKind::chimera, 1, 4, 2, 4);
  REQUIRE(l.programs.size() == 8);
  // rank = d + 2 w: worker w of replica d. Stage 0 lives on worker 0 (down) and 3 (up).
  auto groups = [&](int rank) {
    std::vector<std::vector<int>> out;
    for (const Op& o : l.programs[rank].ops())
      if (std::string(o.name) == "dp.allreduce") out.push_back(l.programs[rank].group(o).ranks);
    return out;
  };
  CHECK(groups(0) == std::vector<std::vector<int>>{{0, 1, 6, 7}, {0, 1, 6, 7}});  // stage 3 then stage 0
  CHECK(groups(2) == std::vector<std::vector<int>>{{2, 3, 4, 5}, {2, 3, 4, 5}});  // stage 2 then stage 1
  std::vector<double> bytes;
  for (const Op& o : l.programs[0].ops())
    if (std::string(o.name) == "dp.allreduce") bytes.push_back(o.bytes);
  CHECK(bytes == std::vector<double>{l.stages[3].state.gradients, l.stages[0].state.gradients});
  // Sends go to the same replica's neighbouring worker: rank 0 (P0, d=0) sends down to rank 2.
  std::set<int> peers;
  for (const Op& o : l.programs[0].ops())
    if (o.kind == OpKind::send) peers.insert(l.programs[0].peer(o));
  CHECK(peers == std::set<int>{2});
  for (const Program& p : l.programs) CHECK(check_program(p).empty());
  // Each worker holds two stages: weights of both.
  CHECK(l.rank_memory[0].stages == std::vector<int>{0, 3});
  CHECK(l.rank_memory[0].state.weights == doctest::Approx(l.stages[0].state.weights + l.stages[3].state.weights));
}

TEST_CASE("tensor parallelism inside a stage: per-layer ops and Megatron's all-reduces") {
  PipelineLowering l = lower(ScheduleKind::gpipe, 2, 2, 1, 2);
  REQUIRE(l.programs.size() == 4);
  // Rank 0 = tp 0 of worker 0 (stage 0: embedding + 4 layers). Forward per micro-batch:
  // embedding + 4 x (attention, mlp), each followed by a tensor-parallel all-reduce.
  const Program& p = l.programs[0];
  CHECK(count_named(p, "attn.fwd") == 4 * 2);
  CHECK(count_named(p, "embedding.fwd") == 2);
  // Forward 9 all-reduces (embedding + 8 blocks), backward 8 (the embedding has no input to
  // reduce), per micro-batch.
  CHECK(count_named(p, "tp.allreduce") == (9 + 8) * 2);
  for (const Op& o : p.ops())
    if (std::string(o.name) == "tp.allreduce") CHECK(p.group(o).ranks == std::vector<int>{0, 1});
  // Rank 2 = tp 0 of worker 1: its pipeline peer is rank 0.
  for (const Op& o : l.programs[2].ops())
    if (o.kind == OpKind::recv) CHECK(l.programs[2].peer(o) == 0);
}

// Sequence parallelism (the fused TP+PP / TP+SP communication in a full iteration): every
// all-reduce becomes a reduce-scatter, every block whose input is a sequence shard gathers it
// first, and the stage boundary carries 1/tp of the activation. Stage 0 (embedding + 4 layers)
// forward: embedding RS, 8 x (AG, block, RS); backward: 8 x (AG, block, RS), then AG before
// the embedding's (unreduced) input gradient. Stage 1 mirrors it with the LM head: forward
// 8 x (AG, block, RS) + AG before the head; backward head RS + 8 x (AG, block, RS).
TEST_CASE("sequence parallel: reduce-scatter and all-gather instead of all-reduce, 1/tp at stage boundaries") {
  PipelineLowering base = lower(ScheduleKind::gpipe, 2, 2, 1, 2);
  PipelineLowering sp = lower(ScheduleKind::gpipe, 2, 2, 1, 2, false, true);
  const double P = 2.0 * 128 * 256 * 2;  // micro-batch x sequence x hidden x bytes
  for (int rank = 0; rank < 4; ++rank) {
    CAPTURE(rank);
    const Program& b = base.programs[rank];
    const Program& s = sp.programs[rank];
    CHECK(check_program(s).empty());
    CHECK(count_named(s, "tp.allreduce") == 0);
    CHECK(count_named(s, "tp.reducescatter") == (9 + 8) * 2);
    CHECK(count_named(s, "tp.allgather") == (9 + 8) * 2);
    CHECK(count_named(b, "tp.allreduce") == (9 + 8) * 2);
    for (const Op& o : s.ops()) {
      if (o.kind == OpKind::send || o.kind == OpKind::recv) CHECK(o.bytes == P / 2);
      if (o.kind == OpKind::collective && s.group(o).size() == 2) CHECK(o.bytes == P);
    }
    for (const Op& o : b.ops())
      if (o.kind == OpKind::send) CHECK(o.bytes == P);
  }
  // Every all-gather on the receiving stage's first block waits for the received shard.
  const Program& s2 = sp.programs[2];
  int first_blocks = 0;
  for (std::size_t i = 0; i < s2.ops().size(); ++i)
    if (std::string(s2.ops()[i].name) == "attn.fwd" && s2.ops()[i].layer == 4) {
      ++first_blocks;
      const Op& ag = s2.ops()[s2.ops()[i].deps.front()];
      CHECK(std::string(ag.name) == "tp.allgather");
      CHECK(s2.ops()[ag.deps.front()].kind == OpKind::recv);
    }
  CHECK(first_blocks == 2);  // one per micro-batch
  // Layer norms, dropouts and residuals run on half the sequence: less activation memory.
  CHECK(sp.stages[0].activation_bytes < base.stages[0].activation_bytes);
}

TEST_CASE("data parallel pipedream all-reduces a stage's gradients after every backward, 2bw once") {
  PipelineLowering p = lower(ScheduleKind::pipedream, 1, 2, 2, 4);
  PipelineLowering b = lower(ScheduleKind::pipedream_2bw, 1, 2, 2, 4);
  for (int rank = 0; rank < 4; ++rank) {
    CAPTURE(rank);
    CHECK(check_program(p.programs[rank]).empty());
    CHECK(count_named(p.programs[rank], "dp.allreduce") == 4);
    CHECK(count_named(b.programs[rank], "dp.allreduce") == 1);
  }
}

TEST_CASE("recomputation re-runs the forward before each backward and zb-h1 splits weight gradients") {
  PipelineLowering r = lower(ScheduleKind::one_f_one_b, 1, 2, 1, 2, true);
  const Program& p = r.programs[1];
  CHECK(count_named(p, "recompute") == 2);
  double fwd = 0, rec = 0;
  for (const Op& o : p.ops()) {
    if (std::string(o.name) == "fwd") fwd = o.duration_s;
    if (std::string(o.name) == "recompute") rec = o.duration_s;
  }
  CHECK(rec == fwd);
  CHECK(r.stages[1].activation_bytes < lower(ScheduleKind::one_f_one_b, 1, 2, 1, 2).stages[1].activation_bytes);

  PipelineLowering z = lower(ScheduleKind::zb_h1, 1, 2, 1, 3);
  CHECK(count_named(z.programs[0], "bwd.ig") == 3);
  CHECK(count_named(z.programs[0], "bwd.wg") == 3);
  CHECK(count_named(z.programs[0], "bwd") == 0);
  // With fixed costs (1 ms per GEMM) the split adds up to the full backward.
  PipelineLowering f = lower(ScheduleKind::one_f_one_b, 1, 2, 1, 3);
  double full = 0, ig = 0, wg = 0;
  for (const Op& o : f.programs[0].ops())
    if (std::string(o.name) == "bwd") full = o.duration_s;
  for (const Op& o : z.programs[0].ops()) {
    if (std::string(o.name) == "bwd.ig") ig = o.duration_s;
    if (std::string(o.name) == "bwd.wg") wg = o.duration_s;
  }
  CHECK(ig + wg == doctest::Approx(full));
}

TEST_CASE("interleaved: each worker holds v stages with a channel per chunk boundary") {
  PipelineLowering l = lower(ScheduleKind::interleaved, 1, 2, 1, 4);
  CHECK(l.schedule.stage_count == 4);
  CHECK(l.partition.layers == std::vector<int>{2, 2, 2, 2});
  CHECK(l.rank_memory[0].stages == std::vector<int>{0, 2});
  // Worker 1 holds stages 1 and 3 (the last): it sends stage 1's activations to stage 2 and
  // the gradients of stages 1 and 3 (to stages 0 and 2), three channels.
  std::set<int> channels;
  for (const Op& o : l.programs[1].ops())
    if (o.kind == OpKind::send) channels.insert(o.effective_channel());
  CHECK(channels.size() == 3);
  for (const Program& p : l.programs) CHECK(check_program(p).empty());
}
