// Memory techniques against their published formulas: ZeRO's shards (Rajbhandari et al., SC'20,
// §5: stage 1 divides the optimizer state by N_d, stage 2 also the gradients, stage 3 also the
// parameters) and activation recomputation (Korthikanti et al., MLSys'23, Table 2, fp16:
// s b h (10 + 24/t + 5as/(ht)) without sequence parallelism, s b h (34/t + 5as/(ht)) with it,
// the 5as/(ht) term gone under selective recomputation, 2 s b h (over t with SP) under full).
#include <doctest/doctest.h>

#include "tests/approx.hpp"
#include "workloads/schedules/memory_model.hpp"

using namespace chimera;
using chimera::test::approx;

namespace {

ModelSpec gpt() {
  ModelSpec m;
  m.layers = 4, m.hidden = 1024, m.heads = 16, m.ffn_hidden = 4096, m.vocab = 1000, m.sequence = 2048;
  m.micro_batch = 2, m.bytes_per_element = 2;
  return m;
}

}  // namespace

TEST_CASE("memory: per-layer activations follow Korthikanti et al.'s Table 2") {
  const ModelSpec m = gpt();
  const double s = 2048, b = 2, h = 1024, a = 16;
  for (int t : {1, 2, 8}) {
    CAPTURE(t);
    MemoryOptions o;
    CHECK(layer_activation_bytes(m, 0, t, o) == approx(s * b * h * (10 + 24.0 / t + 5 * a * s / (h * t))));
    o.sequence_parallel = true;
    CHECK(layer_activation_bytes(m, 0, t, o) == approx(s * b * h * (34.0 / t + 5 * a * s / (h * t))));
    o.selective = true;
    CHECK(layer_activation_bytes(m, 0, t, o) == approx(s * b * h * 34.0 / t));
    o.sequence_parallel = false;
    CHECK(layer_activation_bytes(m, 0, t, o) == approx(s * b * h * (10 + 24.0 / t)));
    MemoryOptions full;
    full.recompute = true;
    CHECK(layer_activation_bytes(m, 0, t, full) == approx(2 * s * b * h));
    full.sequence_parallel = true;
    CHECK(layer_activation_bytes(m, 0, t, full) == approx(2 * s * b * h / t));
  }
}

TEST_CASE("memory: FlashAttention removes the s^2 terms and keeps the softmax statistics") {
  const ModelSpec m = gpt();
  const double s = 2048, b = 2, h = 1024, a = 16;
  MemoryOptions o;
  o.flash_attention = true;
  CHECK(layer_activation_bytes(m, 0, 2, o) == approx(s * b * h * (10 + 24.0 / 2) + 4 * a * s * b / 2));
  // Context parallelism: every rank keeps s/cp of the tokens.
  o.cp = 4;
  CHECK(layer_activation_bytes(m, 0, 2, o) == approx(s / 4 * b * h * (10 + 24.0 / 2) + 4 * a * s / 4 * b / 2));
}

TEST_CASE("memory: ZeRO stages shard optimizer state, then gradients, then parameters over the replicas") {
  const ModelSpec m = gpt();
  StagePartition p;
  p.first_layer = {0};
  p.layers = {4};
  MemoryOptions o;
  o.dense_shards = 4;
  const StageMemory z0 = stage_memory(m, p, 2, o)[0];
  const double params = z0.parameters;  // on one tensor-parallel rank
  CHECK(z0.state.weights == approx(2 * params));
  CHECK(z0.state.gradients == approx(2 * params));
  CHECK(z0.state.optimizer == approx(12 * params));  // fp32 master + two moments
  for (int stage : {1, 2, 3}) {
    CAPTURE(stage);
    o.zero_stage = stage;
    const StageMemory z = stage_memory(m, p, 2, o)[0];
    CHECK(z.parameters == params);
    CHECK(z.state.optimizer == approx(12 * params / 4));
    CHECK(z.state.gradients == approx(stage >= 2 ? 2 * params / 4 : 2 * params));
    CHECK(z.state.weights == approx(stage >= 3 ? 2 * params / 4 : 2 * params));
  }
  // ZeRO-3 gathers two layers' parameters at a time (the one computing, the one prefetched).
  CHECK(stage_memory(m, p, 2, o)[0].working_bytes == approx(2 * 2 * m.parameters_per_layer() / 2));
}

TEST_CASE("memory: routed experts are divided by ep, and their state sharded over the expert replicas") {
  ModelSpec m = gpt();
  m.experts = 8, m.top_k = 2;
  StagePartition p;
  p.first_layer = {0};
  p.layers = {4};
  MemoryOptions o;
  o.ep = 4;
  const double expert = 2.0 * 1024 * 4096 + 4096 + 1024;
  const StageMemory st = stage_memory(m, p, 1, o)[0];
  CHECK(st.expert_parameters == approx(4 * 8 / 4 * expert));
  o.zero_stage = 1, o.dense_shards = 8, o.expert_shards = 2;
  const StageMemory z = stage_memory(m, p, 1, o)[0];
  const double dense = z.parameters - z.expert_parameters;
  CHECK(z.state.optimizer == approx(12 * (dense / 8 + z.expert_parameters / 2)));
}
