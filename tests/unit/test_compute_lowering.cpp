// Transformer lowering (workloads/transformer_kernels): the isca25 mode against the research's
// GEMM files, the standard mode against FLOP identities derived by hand.
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "compute/hardware_preset.hpp"
#include "compute/systolic_model.hpp"
#include "tests/approx.hpp"
#include "workloads/step/training_step.hpp"
#include "workloads/transformer_kernels.hpp"

using namespace chimera;

namespace {

using Row = std::tuple<std::string, std::int64_t, std::int64_t, std::int64_t>;
using chimera::test::approx;

// tests/data/isca25-layer-gemms/<name>.csv: header, then "Layer,M,N,K," rows.
std::vector<Row> research_gemms(const std::string& name) {
  std::ifstream in(std::string(CHIMERA_SOURCE_DIR) + "/tests/data/isca25-layer-gemms/" + name + ".csv");
  REQUIRE(in.good());
  std::vector<Row> rows;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::stringstream ss(line);
    std::string layer, m, n, k;
    std::getline(ss, layer, ','), std::getline(ss, m, ','), std::getline(ss, n, ','), std::getline(ss, k, ',');
    rows.emplace_back(layer, std::stoll(m), std::stoll(n), std::stoll(k));
  }
  return rows;
}

std::vector<Row> lowered(const ModelSpec& m, LayerBlock b, LayerPass p) {
  std::vector<Row> rows;
  for (const Kernel& k : transformer_block_kernels(m, LayerSharding{1, 1, LoweringMode::isca25}, b, p)) {
    REQUIRE(k.kind == Kernel::Kind::gemm);
    REQUIRE(k.batch == 1);
    rows.emplace_back(k.name, k.m, k.n, k.k);
  }
  return rows;
}

ModelSpec at_seq(const std::string& zoo, int seq) {
  ModelSpec m = load_zoo_model(zoo);
  m.sequence = seq;
  m.micro_batch = 1;
  return m;
}

double gemm_flops(const std::vector<Kernel>& ks) {
  double f = 0;
  for (const Kernel& k : ks)
    if (k.kind == Kernel::Kind::gemm) f += 2.0 * double(k.m) * double(k.n) * double(k.k) * double(k.batch);
  return f;
}

double gemm_flops(const ModelSpec& m, const LayerSharding& s, LayerBlock b, LayerPass p) {
  return gemm_flops(transformer_block_kernels(m, s, b, p));
}

}  // namespace

TEST_CASE("compute: isca25 lowering of GPT-2 medium is the research's GEMM list") {
  ModelSpec m = at_seq("gpt2-medium", 256);
  const std::pair<LayerBlock, const char*> blocks[] = {{LayerBlock::attention, "medium_gpt_attention"},
                                                       {LayerBlock::mlp, "medium_gpt_mlp"}};
  for (auto [block, file] : blocks) {
    CAPTURE(file);
    CHECK(lowered(m, block, LayerPass::forward) == research_gemms(file));
    CHECK(lowered(m, block, LayerPass::backward_input) == research_gemms(std::string(file) + "_input_backward"));
    CHECK(lowered(m, block, LayerPass::backward_weight) == research_gemms(std::string(file) + "_weight_backward"));
  }
  CHECK(transformer_block_kernels(m, LayerSharding{1, 1, LoweringMode::isca25}, LayerBlock::embedding,
                                  LayerPass::forward)
            .empty());
}

TEST_CASE("compute: isca25 lowering of DeepSpeed-MoE 1.3B is the research's GEMM list") {
  const std::pair<LayerBlock, const char*> blocks[] = {{LayerBlock::attention, "moe_1point3_256_attention"},
                                                       {LayerBlock::mlp, "moe_1point3_256_mlp"},
                                                       {LayerBlock::moe, "moe_1point3_256_moe"}};
  ModelSpec m = at_seq("deepspeed-moe-1.3b", 256);
  for (auto [block, file] : blocks) {
    CAPTURE(file);
    CHECK(lowered(m, block, LayerPass::forward) == research_gemms(file));
    CHECK(lowered(m, block, LayerPass::backward_input) == research_gemms(std::string(file) + "_input_backward"));
    CHECK(lowered(m, block, LayerPass::backward_weight) == research_gemms(std::string(file) + "_weight_backward"));
  }
  // The 128-token forward files (present, never read by the study) follow the same rule.
  ModelSpec m128 = at_seq("deepspeed-moe-1.3b", 128);
  CHECK(lowered(m128, LayerBlock::attention, LayerPass::forward) == research_gemms("moe_1point3_128_attention"));
  CHECK(lowered(m128, LayerBlock::moe, LayerPass::forward) == research_gemms("moe_1point3_128_moe"));
}

TEST_CASE("compute: isca25 per-layer cycles and the per-device share") {
  // GPT-2 medium forward: sum of ceil(M/256) ceil(N/256) (K + 510) - 1 over the CSV rows:
  // xqkv 12*1534-1, QKT 1*1534-1, QKTV 4*766-1, cproj 4*1534-1, cfc 16*1534-1, cproj 4*4606-1.
  const std::int64_t expected = (12 * 1534 - 1) + (1534 - 1) + (4 * 766 - 1) + (4 * 1534 - 1) + (16 * 1534 - 1) +
                                (4 * 4606 - 1);
  SystolicCostModel model(load_hardware_preset("isca25"));
  ModelSpec m = at_seq("gpt2-medium", 256);
  LayerSharding s{2, 1, LoweringMode::isca25};
  std::int64_t cycles = 0;
  double seconds = 0;
  for (LayerBlock b : {LayerBlock::attention, LayerBlock::mlp}) {
    auto ks = transformer_block_kernels(m, s, b, LayerPass::forward);
    seconds += cost_kernels(ks, model, m.bytes_per_element, device_share(s));
    for (const Kernel& k : ks) cycles += model.gemm_cost(k.m, k.n, k.k, k.batch).total_cycles;
  }
  CHECK(cycles == expected);
  CHECK(device_share(s) == 0.5);
  CHECK(seconds == approx(expected * 1e-9 / 2));  // 1 GHz, half a layer per device
  // QKT and cproj share no shape; xqkv and x do: fewer evaluations than GEMM kernels overall.
  CHECK(model.gemm_evaluations() == model.distinct_gemms());
}

TEST_CASE("compute: standard lowering has backward GEMM FLOPs twice the forward ones") {
  // Every linear layer Y = X W has dX = dY W^T (input gradient) and dW = X^T dY (weight
  // gradient), each with the forward's FLOPs; QK^T and P V have two input-gradient GEMMs each.
  ModelSpec m = load_zoo_model("gpt2-small");
  m.sequence = 512;
  m.micro_batch = 2;
  for (int tp : {1, 2, 4}) {
    LayerSharding s{tp, 1, LoweringMode::standard};
    for (LayerBlock b : {LayerBlock::attention, LayerBlock::mlp, LayerBlock::lm_head}) {
      CAPTURE(tp);
      double fwd = gemm_flops(m, s, b, LayerPass::forward);
      double bwd = gemm_flops(m, s, b, LayerPass::backward_input) + gemm_flops(m, s, b, LayerPass::backward_weight);
      CHECK(bwd == approx(2 * fwd));
    }
  }
}

TEST_CASE("compute: standard attention and MLP FLOPs per rank by hand") {
  // t = B*S tokens, h hidden, a heads, d = h/a, f = 4h. Forward attention:
  // QKV 2*t*h*3h + scores 2*B*a*S*S*d + context 2*B*a*S*S*d + output 2*t*h*h; MLP 2 * 2*t*h*f.
  ModelSpec m = load_zoo_model("gpt2-medium");  // h 1024, 16 heads
  m.sequence = 256;
  m.micro_batch = 2;
  const double t = 512, h = 1024, a = 16, d = 64, S = 256, B = 2, f = 4096;
  const double attention = 2 * t * h * 3 * h + 2 * (2 * B * a * S * S * d) + 2 * t * h * h;
  const double mlp = 2 * (2 * t * h * f);
  for (int tp : {1, 2, 4, 8}) {
    CAPTURE(tp);
    LayerSharding s{tp, 1, LoweringMode::standard};
    CHECK(gemm_flops(m, s, LayerBlock::attention, LayerPass::forward) == approx(attention / tp));
    CHECK(gemm_flops(m, s, LayerBlock::mlp, LayerPass::forward) == approx(mlp / tp));
  }
  // Per-head batched GEMMs: B * a / tp of them.
  auto ks = transformer_block_kernels(m, 4, LayerBlock::attention, LayerPass::forward);
  bool found = false;
  for (const Kernel& k : ks)
    if (k.name == "qk^T") {
      found = true;
      CHECK(k.batch == 2 * 16 / 4);
      CHECK(k.m == 256);
      CHECK(k.k == 64);
    }
  CHECK(found);
}

TEST_CASE("compute: MoE experts get top-k tokens within the capacity") {
  ModelSpec m = load_zoo_model("gpt2-small");  // h 768, f 3072
  m.experts = 8, m.top_k = 2, m.capacity_factor = 1.25;
  m.sequence = 512, m.micro_batch = 2;  // 1024 tokens
  // capacity = ceil(1.25 * 2 * 1024 / 8) = 320 tokens per expert from each rank; with ep = 2
  // each rank holds 4 experts receiving 2 * 320 = 640 tokens each.
  auto ks = transformer_block_kernels(m, LayerSharding{1, 2, LoweringMode::standard}, LayerBlock::moe, LayerPass::forward);
  int experts_seen = 0;
  for (const Kernel& k : ks)
    if (k.name == "expert-fc1") {
      ++experts_seen;
      CHECK(k.m == 640);
      CHECK(k.n == 3072);
      CHECK(k.k == 768);
      CHECK(k.batch == 4);
    }
  CHECK(experts_seen == 1);
  // Each rank processes 4 experts x 640 = 2560 token rows = capacity_factor * top_k * its
  // 1024 tokens: expert FLOPs per rank are 1.25 * 2 times the dense MLP's on those tokens.
  double dense = gemm_flops(m, LayerSharding{}, LayerBlock::mlp, LayerPass::forward);
  double experts = 0;
  for (const Kernel& k : ks)
    if (k.name.rfind("expert-", 0) == 0) experts += 2.0 * k.m * k.n * k.k * k.batch;
  CHECK(experts == approx(1.25 * 2 * dense));
  double fwd = gemm_flops(m, LayerSharding{1, 2}, LayerBlock::moe, LayerPass::forward);
  double bwd = gemm_flops(m, LayerSharding{1, 2}, LayerBlock::moe, LayerPass::backward_input) +
               gemm_flops(m, LayerSharding{1, 2}, LayerBlock::moe, LayerPass::backward_weight);
  CHECK(bwd == approx(2 * fwd));
}

TEST_CASE("compute: non-GEMM ops are memory-bound kernels priced at DRAM bandwidth") {
  ModelSpec m = load_zoo_model("gpt2-small");
  m.sequence = 1024, m.micro_batch = 1, m.bytes_per_element = 2;
  SystolicCostModel model(load_hardware_preset("a100"));
  auto ks = transformer_block_kernels(m, 1, LayerBlock::mlp, LayerPass::forward);
  cost_kernels(ks, model, 2);
  // GELU reads and writes the [1024 x 3072] fp16 activation: 2 * 1024 * 3072 * 2 bytes.
  bool found = false;
  for (const Kernel& k : ks)
    if (k.name == "gelu") {
      found = true;
      CHECK(k.kind == Kernel::Kind::elementwise);
      CHECK(k.bytes == 2.0 * 1024 * 3072 * 2);
      CHECK(k.seconds == approx(k.bytes / 2039e9));
    }
  CHECK(found);
}

TEST_CASE("compute: shardings that do not fit the model are rejected") {
  ModelSpec m = load_zoo_model("gpt2-small");  // 12 heads
  CHECK_THROWS_AS(transformer_block_kernels(m, 5, LayerBlock::attention, LayerPass::forward), std::invalid_argument);
  CHECK_THROWS_AS(transformer_block_kernels(m, 0, LayerBlock::mlp, LayerPass::forward), std::invalid_argument);
  CHECK_THROWS_AS(transformer_block_kernels(m, 1, LayerBlock::moe, LayerPass::forward), std::invalid_argument);
  ModelSpec moe = load_zoo_model("deepspeed-moe-1.3b");  // 128 experts
  CHECK_THROWS_AS(transformer_block_kernels(moe, LayerSharding{1, 3}, LayerBlock::moe, LayerPass::forward),
                  std::invalid_argument);
  LoweringMode mode{};
  CHECK(parse_lowering_mode("isca25", mode));
  CHECK(mode == LoweringMode::isca25);
  CHECK_FALSE(parse_lowering_mode("fast", mode));
}

TEST_CASE("compute: new zoo entries carry the research's model configs") {
  ModelSpec xl = load_zoo_model("gpt2-xl");
  CHECK(xl.layers == 48);
  CHECK(xl.hidden == 1600);
  CHECK(xl.heads == 25);
  CHECK(xl.vocab == 50257);
  ModelSpec moe = load_zoo_model("deepspeed-moe-1.3b");
  CHECK(moe.layers == 24);
  CHECK(moe.hidden == 2048);
  CHECK(moe.heads == 16);
  CHECK(moe.vocab == 32000);
  CHECK(moe.top_k == 2);
  CHECK(moe.experts > 0);
  ModelSpec big = load_zoo_model("deepspeed-moe-6.7b");
  CHECK(big.layers == 32);
  CHECK(big.hidden == 4096);
  CHECK(big.heads == 32);
}

TEST_CASE("compute: the training step charges the isca25 GEMM lists at 1/tp per rank") {
  // GPT-2 medium forward attention on the isca25 array: xqkv 12*1534-1, QKT 1534-1,
  // QKTV 4*766-1, cproj 4*1534-1 cycles = 29138 cycles at 1 GHz, halved on each of 2 ranks.
  SystolicCostModel model(load_hardware_preset("isca25"));
  StepInput in;
  in.model = at_seq("gpt2-medium", 256);
  in.model.layers = 1;
  ParallelPlan plan;
  plan.tp = 2;
  in.layout = StepLayout::uniform(plan, in.model.micro_batch);
  in.options.compute_lowering = LoweringMode::isca25;
  LayerSharding shard;
  shard.tp = 2, shard.mode = LoweringMode::isca25;
  KernelCosts costs(in.model, shard, [&](int) -> const ComputeCostModel& { return model; }, [](int) { return 1; });
  in.costs = &costs;
  auto programs = lower_training_step(in).programs;
  REQUIRE(programs.size() == 2);
  bool found = false;
  for (const Op& op : programs[1].ops())
    if (std::string(op.name) == "attn.fwd") {
      found = true;
      CHECK(op.duration_s == approx(29138e-9 / 2));
      REQUIRE(op.kernels);
      CHECK(op.kernels->size() == 4);
    }
  CHECK(found);
}

// Published parameter counts, rebuilt from the shapes: L x per-layer + 2 x vocab x hidden
// (untied input and output embeddings) + the final norm.
TEST_CASE("compute: Llama zoo entries have the published parameter counts") {
  auto total = [](const ModelSpec& m) {
    return m.layers * m.parameters_per_layer() + 2.0 * m.vocab * m.hidden + m.hidden;
  };
  // Llama 2 7B: attention 4 h^2, SwiGLU 3 h f, two RMSNorm scales, no biases.
  ModelSpec l2 = load_zoo_model("llama2-7b");
  CHECK(l2.parameters_per_layer() == 4.0 * 4096 * 4096 + 3.0 * 4096 * 11008 + 2 * 4096);
  CHECK(total(l2) == 6738415616.0);  // "6.74B" (HF model card: 6,738,415,616)
  // Llama 3 8B: grouped-query attention, K and V 8 heads of 128.
  ModelSpec l3 = load_zoo_model("llama3-8b");
  CHECK(l3.parameters_per_layer() == 4096.0 * (4096 + 2 * 1024) + 4096.0 * 4096 + 3.0 * 4096 * 14336 + 2 * 4096);
  CHECK(total(l3) == 8030261248.0);  // "8.03B" (HF model card: 8,030,261,248)
  ModelSpec g3 = load_zoo_model("gpt3-175b");
  CHECK(total(g3) / 1e9 == approx(175.0).epsilon(0.01));
  ModelSpec l405 = load_zoo_model("llama3-405b");
  CHECK(total(l405) / 1e9 == approx(405.0).epsilon(0.01));
  for (const char* name : {"llama2-70b", "llama3-70b"}) {
    CAPTURE(name);
    CHECK(total(load_zoo_model(name)) / 1e9 == approx(70.0).epsilon(0.015));
  }
  ModelSpec mix = load_zoo_model("mixtral-8x7b");
  CHECK(mix.experts == 8);
  CHECK(mix.top_k == 2);
}

TEST_CASE("compute: grouped-query attention and SwiGLU GEMM shapes and FLOPs per rank") {
  ModelSpec m = load_zoo_model("llama3-8b");  // h 4096, 32 heads, 8 KV heads of 128, f 14336
  m.sequence = 1024;
  m.micro_batch = 1;
  const double t = 1024, h = 4096, kv = 1024, S = 1024, a = 32, d = 128, f = 14336;
  // Q, K, V projection: h + 2 kv columns; scores and context per query head; output h x h.
  const double attention = 2 * t * h * (h + 2 * kv) + 2 * (2 * a * S * S * d) + 2 * t * h * h;
  const double mlp = 2 * t * h * (2 * f) + 2 * t * f * h;  // gate+up, then down
  for (int tp : {1, 2, 8}) {
    CAPTURE(tp);
    LayerSharding s{tp, 1, LoweringMode::standard};
    CHECK(gemm_flops(m, s, LayerBlock::attention, LayerPass::forward) == approx(attention / tp));
    CHECK(gemm_flops(m, s, LayerBlock::mlp, LayerPass::forward) == approx(mlp / tp));
  }
  for (const Kernel& k : transformer_block_kernels(m, 8, LayerBlock::mlp, LayerPass::forward))
    if (k.name == "fc1") CHECK(k.n == 2 * 14336 / 8);
  // 8 KV heads cannot be split 16 ways
  LayerSharding sixteen{16, 1, LoweringMode::standard};
  CHECK_THROWS_AS(gemm_flops(m, sixteen, LayerBlock::attention, LayerPass::forward), std::invalid_argument);
}
