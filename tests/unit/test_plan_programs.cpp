// planner/plan_programs.hpp: lowering a Metis plan to rank programs (GPipe, per-stage (dp, tp),
// profile durations split 1:2, Megatron TP all-reduces, per-layer DP all-reduces, resharding
// between stages). Expected ops, groups, durations and bytes are counted by hand below.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>

#include "common/input_error.hpp"
#include "planner/plan_programs.hpp"

using namespace chimera;
using namespace chimera::metis;

namespace {

constexpr double kSeq = 1024, kHidden = 4096;
constexpr double kSampleBytes = kSeq * kHidden * 2;  // one sample's fp16 activation

StagePlan stage(int first, int n, int dp, int tp, int a, int b, int mbs, std::vector<std::string> types) {
  StagePlan s;
  s.first_rank = first, s.num_ranks = n, s.dp = dp, s.tp = tp, s.first_layer = a, s.end_layer = b;
  s.micro_batch_size = mbs;
  s.gpu_types = std::move(types);
  s.rank_hosts.assign(n, 0);
  return s;
}

// Layer times of (type, tp, bs): [embedding, transformer x (L-2), head]; fb_sync = 2 x bs.
Profile profile(const std::string& type, int tp, int bs, double scale) {
  std::vector<double> lc = {3 * bs * scale, 12 * bs * scale, 12 * bs * scale, 1.5 * bs * scale};
  double total = 0;
  for (double x : lc) total += x;
  return make_profile(profile_name(type, tp, bs), type, tp, bs, lc, total + 2 * bs * scale, {1, 1, 1, 1}, 8, 0.5,
                      {100e6, 40e6, 40e6, 120e6});
}

struct Fixture {
  ProfileSet profiles;
  ModelConstants constants;
  Fixture() {
    for (int bs : {1, 2, 4, 8}) {
      profiles.add(profile("A100", 2, bs, 1.0));
      profiles.add(profile("V100", 2, bs, 3.5));
      profiles.add(profile("A100", 1, bs, 2.0));
    }
    profiles.origin = "test profiles";
    constants.optimizer_time_ms = 8;
    constants.batch_generator_time_ms = 0.5;
    constants.params_input = 100e6, constants.params_transformer = 40e6, constants.params_output = 120e6;
  }
  PlanLoweringInput input(std::vector<StagePlan> stages, int M, int G) const {
    PlanLoweringInput in;
    in.stages = std::move(stages);
    in.micro_batches = M;
    in.layers = 4;
    in.global_batch = G;
    in.hidden_size = kHidden, in.sequence_length = kSeq;
    in.profiles = &profiles;
    in.constants = &constants;
    return in;
  }
};

std::vector<const Op*> ops_named(const Program& p, const std::string& name) {
  std::vector<const Op*> out;
  for (const auto& op : p.ops())
    if (name == op.name) out.push_back(&op);
  return out;
}

double sum_bytes(const std::vector<Transfer>& t, int rank, bool as_src) {
  double s = 0;
  for (const auto& x : t)
    if ((as_src ? x.src : x.dst) == rank) s += x.samples;
  return s;
}

}  // namespace

TEST_CASE("reshard: dp2 x tp2 to dp1 x tp2 - each target gets its 8 samples, 2 from every source rank") {
  StagePlan from = stage(0, 4, 2, 2, 0, 2, 4, {}), to = stage(4, 2, 1, 2, 2, 4, 8, {});
  auto t = reshard_transfers(from, {4, 4}, to, {8});
  CHECK(t.size() == 8);  // 2 targets x 4 sources
  for (int dst : {4, 5}) CHECK(sum_bytes(t, dst, false) == 8);
  for (int src : {0, 1, 2, 3}) CHECK(sum_bytes(t, src, true) == 4);  // replica of 4 samples, tp' = 2 copies, / tp = 2
  for (const auto& x : t) CHECK(x.samples == 2);
}

TEST_CASE("reshard: uneven shares [5,3] to dp4 [2,2,2,2] follow sample ownership") {
  StagePlan from = stage(0, 2, 2, 1, 0, 2, 0, {}), to = stage(2, 4, 4, 1, 2, 4, 2, {});
  auto t = reshard_transfers(from, {5, 3}, to, {2, 2, 2, 2});
  // samples 0-4 on rank 0, 5-7 on rank 1; targets hold [0,2) [2,4) [4,6) [6,8)
  std::map<std::pair<int, int>, double> got;
  for (const auto& x : t) got[{x.src, x.dst}] = x.samples;
  CHECK(got == std::map<std::pair<int, int>, double>{{{0, 2}, 2}, {{0, 3}, 2}, {{0, 4}, 1}, {{1, 4}, 1}, {{1, 5}, 2}});
}

TEST_CASE("replica samples of a mixed A100/V100 stage - first-GPU rule vs slowest-GPU rule") {
  Fixture f;
  // dp 2, tp 2: replica 0 = [A100, V100], replica 1 = [V100, V100]; batch G/M = 9.
  auto in = f.input({stage(0, 4, 2, 2, 0, 4, 4, {"A100", "V100", "V100", "V100"})}, 1, 9);
  in.chunk_type_first_gpu = true;  // speeds 1 : 1/3.5 -> 9 x 3.5/4.5 = 7, 9 x 1/4.5 = 2
  CHECK(replica_samples(in, 0) == std::vector<int>{7, 2});
  in.chunk_type_first_gpu = false;  // both replicas at V100 pace: 4.5 each, the remainder to the first
  CHECK(replica_samples(in, 0) == std::vector<int>{5, 4});
  auto homogeneous = f.input({stage(0, 4, 2, 2, 0, 4, 4, {"A100", "A100", "A100", "A100"})}, 1, 8);
  CHECK(replica_samples(homogeneous, 0) == std::vector<int>{4, 4});
}

TEST_CASE("lower_plan: two stages (dp2 tp2 layers 0-1, dp1 tp2 layers 2-3), M = 2") {
  Fixture f;
  // G = 8, M = 2: stage 0 replicas hold 2 samples per micro-batch, stage 1's one replica 4.
  auto in = f.input({stage(0, 4, 2, 2, 0, 2, 2, std::vector<std::string>(4, "A100")),
                     stage(4, 2, 1, 2, 2, 4, 4, std::vector<std::string>(2, "A100"))},
                    2, 8);
  PlanPrograms out = lower_plan(in);
  REQUIRE(out.programs.size() == 6);
  for (const auto& p : out.programs) CHECK(check_program(p) == "");

  const Program& r0 = out.programs[0];
  // Layer times at (A100, tp 2, bs 2): embedding 6 ms, transformer 24 ms.
  auto close = [](const std::vector<const Op*>& ops, double ms) {
    for (auto* op : ops) CHECK(op->duration_s == doctest::Approx(ms * 1e-3));
  };
  CHECK(ops_named(r0, "batch.gen").size() == 2);
  close(ops_named(r0, "batch.gen"), 0.5);
  close(ops_named(r0, "embed.fwd"), 6.0 / 3);
  close(ops_named(r0, "attn.fwd"), 24.0 / 6);
  close(ops_named(r0, "mlp.fwd"), 24.0 / 6);
  close(ops_named(r0, "mlp.bwd"), 24.0 / 3);
  close(ops_named(r0, "attn.bwd"), 24.0 / 3);
  close(ops_named(r0, "embed.bwd"), 6.0 * 2 / 3);
  close(ops_named(r0, "optimizer"), 8.0 / 2 * 2 / 4);  // optimizer / tp x n_s / L
  CHECK(ops_named(r0, "head.fwd").empty());
  CHECK(ops_named(r0, "fb.sync").empty());
  // TP all-reduces per micro-batch: embedding fwd, attention and MLP fwd and bwd = 5.
  auto tp = ops_named(r0, "tp.allreduce");
  CHECK(tp.size() == 10);
  for (auto* op : tp) {
    CHECK(r0.group(*op).ranks == std::vector<int>{0, 1});
    CHECK(op->bytes == 2 * kSampleBytes);
    CHECK(op->stream == kCollectiveStream);
  }
  // DP: one all-reduce per layer, transformer layer first, over ranks {0, 2}, parameters / tp.
  auto dp = ops_named(r0, "dp.allreduce");
  REQUIRE(dp.size() == 2);
  CHECK(dp[0]->layer == 1);
  CHECK(dp[0]->bytes == 40e6 / 2);
  CHECK(dp[1]->bytes == 100e6 / 2);
  CHECK(r0.group(*dp[0]).ranks == std::vector<int>{0, 2});
  CHECK(out.programs[3].ops().size() == r0.ops().size());
  CHECK(out.programs[3].group(*ops_named(out.programs[3], "dp.allreduce")[0]).ranks == std::vector<int>{1, 3});
  // Activations: rank 0's 2 samples go to both ranks of stage 1, half from each of its tp ranks.
  auto sends = ops_named(r0, "pp.send.act");
  REQUIRE(sends.size() == 4);
  CHECK(r0.peer(*sends[0]) == 4);
  CHECK(r0.peer(*sends[1]) == 5);
  CHECK(sends[0]->bytes == kSampleBytes);
  CHECK(sends[0]->micro_batch == 0);
  CHECK(sends[2]->micro_batch == 1);
  CHECK(sends[0]->stream != sends[1]->stream);  // one stream per peer: pieces travel at once
  CHECK(sends[0]->channel == 16);
  auto grads = ops_named(r0, "pp.recv.grad");
  REQUIRE(grads.size() == 4);
  CHECK(grads[0]->bytes == kSampleBytes);
  CHECK(grads[0]->channel == 17);
  CHECK(ops_named(r0, "pp.recv.act").empty());
  CHECK(ops_named(r0, "pp.send.grad").empty());

  const Program& r4 = out.programs[4];
  // Layer times at (A100, tp 2, bs 4): transformer 48 ms, head 6 ms; fb_sync 8 ms.
  close(ops_named(r4, "attn.fwd"), 48.0 / 6);
  close(ops_named(r4, "head.fwd"), 6.0 / 3);
  close(ops_named(r4, "head.bwd"), 6.0 * 2 / 3);
  close(ops_named(r4, "fb.sync"), 8.0);
  CHECK(ops_named(r4, "fb.sync").size() == 2);
  CHECK(ops_named(r4, "batch.gen").empty());
  CHECK(ops_named(r4, "embed.fwd").empty());
  CHECK(ops_named(r4, "dp.allreduce").empty());
  // attention, MLP fwd and bwd, head bwd: 5 per micro-batch over {4, 5}, 4 samples each.
  auto tp4 = ops_named(r4, "tp.allreduce");
  CHECK(tp4.size() == 10);
  CHECK(r4.group(*tp4[0]).ranks == std::vector<int>{4, 5});
  CHECK(tp4[0]->bytes == 4 * kSampleBytes);
  // It receives 1 sample from each of ranks 0-3 per micro-batch, and sends gradients back.
  auto recv = ops_named(r4, "pp.recv.act");
  CHECK(recv.size() == 8);
  double bytes = 0;
  for (auto* op : recv) bytes += op->bytes;
  CHECK(bytes == 2 * 4 * kSampleBytes);
  CHECK(ops_named(r4, "pp.send.grad").size() == 8);
  close(ops_named(r4, "optimizer"), 8.0 / 2 * 2 / 4);

  // The forward of micro-batch 0 waits for all four pieces.
  const Op* attn = ops_named(r4, "attn.fwd")[0];
  int recv_deps = 0;
  for (OpIndex d : attn->deps) recv_deps += std::string(r4.ops()[d].name) == "pp.recv.act";
  CHECK(recv_deps == 4);
}

TEST_CASE("lower_plan: tp 1 has no TP all-reduce, dp 1 no DP all-reduce, an empty stage relays") {
  Fixture f;
  // Stage 1 holds no layers (the reference's layer-losing rounding can do that): it receives
  // and forwards activations and gradients, and has no optimizer step.
  auto in = f.input({stage(0, 1, 1, 1, 0, 2, 4, {"A100"}), stage(1, 1, 1, 1, 2, 2, 4, {"A100"}),
                     stage(2, 1, 1, 1, 2, 4, 4, {"A100"})},
                    1, 4);
  PlanPrograms out = lower_plan(in);
  for (const auto& p : out.programs) {
    CHECK(check_program(p) == "");
    CHECK(p.count(CollectiveKind::all_reduce) == 0);
  }
  const Program& relay = out.programs[1];
  CHECK(relay.count(OpKind::compute) == 0);
  CHECK(relay.count(OpKind::recv) == 2);
  CHECK(relay.count(OpKind::send) == 2);
  // Layer times at (A100, tp 1, bs 4) are 2x the tp-2 ones: embedding 24 ms.
  CHECK(ops_named(out.programs[0], "embed.fwd")[0]->duration_s == doctest::Approx(24.0 / 3 * 1e-3));
}

TEST_CASE("lower_plan: a profile the plan needs but the set lacks is an input error naming it") {
  Fixture f;
  auto in = f.input({stage(0, 4, 1, 4, 0, 4, 8, std::vector<std::string>(4, "A100"))}, 1, 8);  // no tp-4 profiles
  CHECK_THROWS_WITH_AS(lower_plan(in), doctest::Contains("DeviceType.A100_tp4_bs8.json"), InputError);
}
