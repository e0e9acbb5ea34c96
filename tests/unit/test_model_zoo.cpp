// Parameter counts of every zoo model against the published totals (total and, for MoE, active
// per token): exact where the model card gives the exact count, within 1% where the paper
// rounds.
#include <doctest/doctest.h>

#include "workloads/model_spec.hpp"

using namespace chimera;

namespace {

double total(const char* name, bool active = false) { return load_zoo_model(name).total_parameters(active); }

void within_one_percent(double got, double published) { CHECK(got == doctest::Approx(published).epsilon(0.01)); }

// A figure published with two significant digits ("2.8B") covers [2.75B, 2.85B).
void rounds_to(double got, double published, double half_unit) {
  CHECK(got >= published - half_unit);
  CHECK(got < published + half_unit);
}

}  // namespace

TEST_CASE("zoo: GPT-2 totals match the Hugging Face model cards exactly (tied embeddings, 1024 positions)") {
  CHECK(total("gpt2-small") == 124439808.0);   // openai-community/gpt2
  CHECK(total("gpt2-medium") == 354823168.0);  // openai-community/gpt2-medium
  CHECK(total("gpt2-xl") == 1557611200.0);     // openai-community/gpt2-xl
}

TEST_CASE("zoo: Llama totals match the Hugging Face model cards (untied output layer, rotary positions)") {
  CHECK(total("llama2-7b") == 6738415616.0);   // meta-llama/Llama-2-7b-hf
  CHECK(total("llama3-8b") == 8030261248.0);   // meta-llama/Meta-Llama-3-8B
  within_one_percent(total("llama2-70b"), 68.98e9);   // 68,976,648,192
  within_one_percent(total("llama3-70b"), 70.55e9);   // 70,553,706,496
  within_one_percent(total("llama3-405b"), 405.9e9);  // Llama 3 Herd of Models: 405B
}

TEST_CASE("zoo: GPT-3 175B within 1% of the paper's 175.0B") { within_one_percent(total("gpt3-175b"), 175.0e9); }

TEST_CASE("zoo: MoE totals and active parameters") {
  // Mistral AI, "Mixtral of experts" (2023): 46.7B parameters, 12.9B used per token.
  within_one_percent(total("mixtral-8x7b"), 46.7e9);
  within_one_percent(total("mixtral-8x7b", true), 12.9e9);
  // Dai et al., DeepSeekMoE (2024), Table 1: 16.4B total, 2.8B activated.
  within_one_percent(total("deepseek-moe-16b"), 16.4e9);
  rounds_to(total("deepseek-moe-16b", true), 2.8e9, 0.05e9);
  // Rajbhandari et al., DeepSpeed-MoE (2022), Table 1: 1.3B+MoE-128 has 52B parameters (MoE in
  // every other layer).
  within_one_percent(total("deepspeed-moe-1.3b"), 52e9);
}

TEST_CASE("zoo: an MoE layer's active parameters are the top-k experts, shared experts always") {
  ModelSpec m = load_zoo_model("deepseek-moe-16b");
  CHECK_FALSE(m.is_moe_layer(0));  // the first layer is dense
  CHECK(m.is_moe_layer(1));
  const double expert = 3.0 * 2048 * 1408;  // gate, up, down
  const double attention = 4.0 * 2048 * 2048 + 2 * 2048;
  CHECK(m.layer_parameters(1) == attention + 2048.0 * 64 + 64 * expert + 2 * expert);
  CHECK(m.layer_parameters(1, true) == attention + 2048.0 * 64 + 6 * expert + 2 * expert);
  ModelSpec d = load_zoo_model("deepspeed-moe-1.3b");
  CHECK(d.moe_layers() == 12);
}
