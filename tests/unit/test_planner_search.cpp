// Row 1 of the reference (layers10, hostfile-16: 16 A100 + 16 V100, G = 128): search steps,
// best costs for both node-type orders, the worked cost checks and the worked step counts
// (reference sections 0, 2.7, 3 and 4).
#include <doctest/doctest.h>

#include "planner/metis_evaluate.hpp"
#include "planner/metis_search.hpp"
#include "planner/metis_synth.hpp"

using namespace chimera::metis;

namespace {

const std::string kData = std::string(CHIMERA_SOURCE_DIR) + "/tests/data/metis";

struct Row1 {
  explicit Row1(std::vector<std::string> order = {"A100", "V100"}, bool compat = true,
                Strategy strategy = Strategy::metis) {
    options.layers = 10;
    options.global_batch = 128;
    options.strategy = strategy;
    options.quirks = compat ? Quirks::all() : Quirks::none();
    options.type_order = order;
    cluster = make_cluster(read_hostfile(kData + "/hostfiles/hostfile-16", true), "hostfile-16",
                           read_cluster_file(kData + "/clusterfile.json"), "clusterfile.json", order, true);
    profiles = load_profiles(kData + "/layers10", 10);
    constants = model_constants(profiles, "A100_tp32_bs32", options.quirks.optimizer_doubled);
  }
  SearchResult search() const { return search_plans(cluster, profiles, constants, options); }
  long long walk(int sequence, std::vector<int> sizes, int M) const {
    return search_inter_stage_plan(cluster, profiles, constants, options, sequence, sizes, M,
                                   static_cast<int>(sizes.size()))
        .search_steps;
  }
  SearchOptions options;
  Cluster cluster;
  ProfileSet profiles;
  ModelConstants constants;
};

// 20 layers on hostfile-32 (32 A100 + 32 V100), G = 128, the fork's synthetic profiles
// (gen_synth_data.py 20 128, generated in memory: only ten of its 128 files are committed).
struct Layers20 {
  explicit Layers20(Strategy strategy = Strategy::metis) {
    options.layers = 20;
    options.global_batch = 128;
    options.strategy = strategy;
    options.quirks = Quirks::all();
    options.type_order = {"A100", "V100"};
    cluster = make_cluster(read_hostfile(kData + "/hostfiles/hostfile-32", true), "hostfile-32",
                           read_cluster_file(kData + "/clusterfile.json"), "clusterfile.json", options.type_order,
                           true);
    profiles = synthetic_profile_set(20, 128);
    constants = model_constants(profiles, "A100_tp32_bs32", options.quirks.optimizer_doubled);
  }
  SearchResult search() const { return search_plans(cluster, profiles, constants, options); }
  long long walk(int sequence, std::vector<int> sizes, int M) const {
    return search_inter_stage_plan(cluster, profiles, constants, options, sequence, sizes, M,
                                   static_cast<int>(sizes.size()))
        .search_steps;
  }
  SearchOptions options;
  Cluster cluster;
  ProfileSet profiles;
  ModelConstants constants;
};

}  // namespace

TEST_CASE("row 1, compat: best costs for both node orders") {
  for (auto strategy : {Strategy::metis, Strategy::headroom}) {
    auto a = Row1({"A100", "V100"}, true, strategy).search();
    REQUIRE(!a.top.empty());
    CHECK(a.top[0].cost.total == 1793.600994348526);
    CHECK(a.top[0].device_groups == std::vector<int>{32});
    CHECK(a.top[0].micro_batches == 1);
    auto v = Row1({"V100", "A100"}, true, strategy).search();
    REQUIRE(!v.top.empty());
    CHECK(v.top[0].cost.total == 1898.3743157594101);
    CHECK(v.top[0].mislabelled);  // quirk 1: a 2-stage plan costed as 1 stage
    CHECK(v.top[0].layer_partition == std::vector<int>{0, 7, 10});
  }
}

TEST_CASE("row 1, compat: 562 search steps with the headroom strategy") {
  auto r = Row1({"A100", "V100"}, true, Strategy::headroom).search();
  CHECK(r.search_steps == 562);
  CHECK(r.inter_stage_plans == 176);  // 2 x 88 (reference 2.3)
  // Reference breakdown (node sequence, stages): A100 first.
  std::vector<long long> expected = {51, 20, 24, 181, 24, 20, 20, 24, 174, 24};
  REQUIRE(r.breakdown.size() == expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) CHECK(r.breakdown[i].steps == expected[i]);
  CHECK(r.breakdown[5].mislabelled);
  CHECK(Row1({"V100", "A100"}, true, Strategy::headroom).search().search_steps == 562);
}

TEST_CASE("row 1, compat: 612 search steps with the Metis strategy") {
  auto r = Row1({"A100", "V100"}, true, Strategy::metis).search();
  CHECK(r.search_steps == 612);
  // Reference breakdown (node sequence, stages), A100 first: (0,1) 51, (0,2) 20, (0,4) 24,
  // (0,7) 231, (0,8) 24, (1,"1") 20, (1,2) 20, (1,4) 24, (1,7) 174, (1,8) 24.
  std::vector<long long> expected = {51, 20, 24, 231, 24, 20, 20, 24, 174, 24};
  REQUIRE(r.breakdown.size() == expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) CHECK(r.breakdown[i].steps == expected[i]);
  CHECK(Row1({"V100", "A100"}, true, Strategy::metis).search().search_steps == 612);
}

TEST_CASE("worked step counts (reference 2.7 and 4)") {
  Row1 row;
  // [32], M = 1: (32,1) .. (2,16) each fail memory once, (1,32) fits: 5 + 5.
  CHECK(row.walk(0, {32}, 1) == 10);
  // M = 128: all but (1,32) invalid (micro-batch 0): 5 strategy steps.
  CHECK(row.walk(0, {32}, 128) == 5);
  // Course paper Fig. 2: [4,4,4,8,4,4,4], M = 8: Metis 14 steps, USE_STRAT 2.
  CHECK(row.walk(0, {4, 4, 4, 8, 4, 4, 4}, 8) == 14);
  Row1 strat({"A100", "V100"}, true, Strategy::headroom);
  CHECK(strat.walk(0, {4, 4, 4, 8, 4, 4, 4}, 8) == 2);
  // The (A100 first, S = 7) entry, group by group: every walk starts at (g_s, 1). With
  // M = 128, 64, 32 a strategy is valid only when every dp <= 128 / M (micro-batch >= 1), i.e.
  // sum over stages of log2(g_s / (128 / M)) halvings: for {8, 4 x 6}: 3 + 6 x 2 = 15, then
  // 2 + 6 x 1 = 8, then 1. The six groups whose 8-GPU stage is all A100 or all V100 then fit on
  // the first attempt for every M, 15 + 8 + 1 = 24 steps each, in both strategies; the group
  // straddling the type boundary, [4,4,4,8,4,4,4], takes the rest of the reference's S = 7
  // counts: 231 - 6 x 24 = 87 (Metis) and 181 - 6 x 24 = 37 (USE_STRAT).
  auto group_steps = [](const Row1& r, std::vector<int> sizes) {
    long long steps = 0;
    for (int M : {128, 64, 32, 16, 8, 4, 2, 1}) steps += r.walk(0, sizes, M);
    return steps;
  };
  for (const Row1* r : {&row, &strat}) {
    CHECK(group_steps(*r, {8, 4, 4, 4, 4, 4, 4}) == 24);
    CHECK(group_steps(*r, {4, 4, 4, 4, 4, 4, 8}) == 24);
  }
  CHECK(group_steps(row, {4, 4, 4, 8, 4, 4, 4}) == 87);
  CHECK(group_steps(strat, {4, 4, 4, 8, 4, 4, 4}) == 37);
}

TEST_CASE("20 layers on hostfile-32, compat: enumeration and the whole-cluster walks by hand") {
  Layers20 l20;
  auto r = l20.search();
  // Device groups of 64 GPUs (test_planner_enumeration): S = 1, 2, 4, 8 one each, S = 13 299,
  // S = 14 91, S = 15 15, S = 16 1: 410 per node sequence. The second sequence (quirk 1) skips
  // S = 1 and repeats [32, 32] labelled as one stage: 410 again. 8 micro-batch counts each.
  CHECK(r.inter_stage_plans == 2 * 410 * 8);
  std::vector<long long> plans = {1, 1, 1, 1, 299, 91, 15, 1, 1, 1, 1, 1, 299, 91, 15, 1};
  REQUIRE(r.breakdown.size() == plans.size());
  for (std::size_t i = 0; i < plans.size(); ++i) CHECK(r.breakdown[i].inter_stage_plans == 8 * plans[i]);
  CHECK(r.breakdown[8].mislabelled);
  // [64], M = 128: valid only at dp = 1 (micro-batch 128 / dp / 128 >= 1): 6 halvings to (1,64),
  // which fits: one replica of the whole cluster (type of rank 0, A100), its share 128 = one
  // binary digit, demand 5 x (7820 + 18 x 4146 + 12132) + 0.001 = 472900.001 MB against
  // 32 x 80 GB + 32 x 16 GB = 3145728 MB. 6 steps.
  CHECK(l20.walk(0, {64}, 128) == 6);
  // M = 1, batch 128 split over dp replicas by speed (A100 3.5x V100, reference 2.5); memory is
  // 472900 MB per binary digit of each share. (64,1): shares 3 (A100) / 1 (V100): 32 x 2 +
  // 32 x 1 digits; (32,2): 6 / 2: 16 x 2 + 16 x 1; (16,4): 12 / 4: 8 x 2 + 8 x 1; (8,8): 25 / 7:
  // 4 x 3 + 4 x 3; (4,16): 50 / 14: 2 x 3 + 2 x 3 = 12 digits, 5674800 MB. All out of memory;
  // one stage has no spare share, so each fails at once (1 failed attempt). (2,32): 100 / 28:
  // 3 + 3 digits, 2837400 MB, fits on the first attempt. 5 halvings + 5 failures = 10 steps.
  CHECK(l20.walk(0, {64}, 1) == 10);
}

TEST_CASE("memory re-balancing: the share left over by one attempt is handed out by the next") {
  // Reference 2.6: `required += c_s - c_s'` per out-of-memory stage; `required` starts at 0 once
  // per partition call, and the hand-out loop stops as soon as it is <= 0.01, so what one
  // attempt leaves over is handed out again by the next. Row 1, A100 first, [4,4,4,8,4,4,4],
  // M = 1, (4,1) x 3, (8,1), (4,1) x 2, (2,2): stage 3 (4 A100 + 4 V100, 393216 MB) runs out
  // of memory on attempts 1 and 2. Attempt 3's share of stage 2 then exceeds 13 sub-layers
  // (13/7 of a transformer layer's weight 29.508 / 236.763: 0.23146) only with the carried
  // leftover (0.2320 vs 0.2313 without), so stage 2 ends one sub-layer further, stage 3 keeps
  // layer 7 and is out of memory again: the plan fails after three attempts. Counted as 3
  // failed attempts, this is the step that makes (A100 first, S = 7) 231 (reference 2.7).
  Row1 row;
  SearchContext ctx(row.cluster, row.profiles, row.constants, row.options);
  PlanEvaluator eval(ctx);
  Layout a100_first = make_layout(row.cluster, {0, 1}, true);
  StageGroup g;
  g.set(a100_first, {4, 4, 4, 8, 4, 4, 4}, 7, row.cluster);
  g.M = 1;
  int dp[] = {4, 4, 4, 8, 4, 4, 2}, tp[] = {1, 1, 1, 1, 1, 1, 2};
  double share[7];
  eval.stage_shares(g, dp, tp, share);
  MemoryOutcome out;
  eval.partition(g, dp, tp, share, out);
  CHECK_FALSE(out.ok);
  CHECK(out.failed_attempts == 3);
  REQUIRE(out.partition.size() == 8);
  CHECK(out.partition[3] == 7);  // stage 3 holds layer 7
  CHECK(out.partition[4] == 8);
  CHECK(out.headroom[3] < 0);
}

TEST_CASE("worked cost checks (reference 3)") {
  Row1 row;
  SearchContext ctx(row.cluster, row.profiles, row.constants, row.options);
  PlanEvaluator eval(ctx);
  Layout a100_first = make_layout(row.cluster, {0, 1}, true);
  StageGroup g;
  CostBreakdown cost;
  // [32], (1,32), M = 1, layers [0, 10]: A100 tp32 bs128 compute + V100 fb_sync.
  g.set(a100_first, {32}, 1, row.cluster);
  g.M = 1;
  int dp1[] = {1}, tp32[] = {32}, part1[] = {0, 10};
  REQUIRE(eval.cost(g, dp1, tp32, part1, cost));
  CHECK(cost.execution == 1160.8753204345703);
  CHECK(cost.fb_sync == 631.065845489502);
  CHECK(cost.update == 21.92707061767578 / 32);
  CHECK(cost.dp_allreduce == 0);
  CHECK(cost.p2p == 0);
  CHECK(cost.total == 1793.600994348526);
  // Mislabelled [16,16], (16,1) x 2, M = 1, [0,7,10]: stage 0 (16 A100, layers 0-6) alone.
  g.set(a100_first, {16, 16}, 1, row.cluster);
  g.M = 1;
  int dp16[] = {16, 16}, tp1[] = {1, 1}, part2[] = {0, 7, 10};
  REQUIRE(eval.cost(g, dp16, tp1, part2, cost));
  CHECK(cost.execution == 1400.9809494018555);
  CHECK(cost.fb_sync == 418.581485748291);
  CHECK(cost.update == 21.92707061767578 / 1 * (7.0 / 10));
  double dp_expected = 2.0 * 15 / (16 * (46 * 1024.0 * 1024.0)) * (393216000.0 / 1 + 202383360.0 / 1 * 6);
  CHECK(cost.dp_allreduce == dp_expected);
  CHECK(cost.dp_allreduce == 62.48832370923913);
  CHECK(cost.total == 1898.3743157594101);
}

TEST_CASE("clean mode: every sequence starts at one stage, plans cover every layer") {
  Row1 row({"A100", "V100"}, false);
  auto r = row.search();
  for (const auto& b : r.breakdown) CHECK_FALSE(b.mislabelled);
  CHECK(r.breakdown[5].num_stages_label == 1);  // second sequence, S = 1 (skipped by the reference)
  REQUIRE(!r.top.empty());
  for (const auto& p : r.top) {
    CHECK(p.layer_partition.back() == 10);
    for (std::size_t s = 0; s + 1 < p.layer_partition.size(); ++s) CHECK(p.layer_partition[s + 1] > p.layer_partition[s]);
  }
  // Clean counting adds the final, non-yielding walk call: never fewer steps per plan.
  Row1 compat_counting({"A100", "V100"}, false);
  compat_counting.options.quirks.count_skips_last_call = true;
  CHECK(compat_counting.search().search_steps <= r.search_steps);
}

TEST_CASE("plan_stages: rank, layer and host ranges of a plan") {
  Row1 row;
  auto r = row.search();
  const PlanRecord& best = r.top[0];  // [32], (1,32), M = 1
  auto stages = plan_stages(best, row.cluster, 128, true);
  REQUIRE(stages.size() == 1);
  CHECK(stages[0].num_ranks == 32);
  CHECK(stages[0].tp == 32);
  CHECK(stages[0].micro_batch_size == 128);
  CHECK(stages[0].end_layer == 10);
  // A100 first: ranks 0-15 on the A100 nodes, which are hostfile lines 5-8 (indices 4-7).
  CHECK(stages[0].rank_hosts[0] == 4);
  CHECK(stages[0].rank_hosts[15] == 7);
  CHECK(stages[0].rank_hosts[16] == 0);
  CHECK(stages[0].gpu_types[31] == "V100");
}
