#pragma once
// The shape of a transformer model, from the model zoo (workloads/models/*.toml) or written
// out in a scenario's [model] table.
#include <string>
#include <vector>

namespace chimera {

class TomlTable;

struct ModelSpec {
  std::string name = "custom";
  int layers = 0;
  int hidden = 0;
  int heads = 0;
  int kv_heads = 0;    // key/value heads (grouped-query attention); 0: as many as heads
  int ffn_hidden = 0;  // 4 * hidden unless given
  // MLP: "gelu" (two projections, GPT/BERT) or "swiglu" (gate and up projections fused into
  // one GEMM of 2 x ffn_hidden columns, then down: Llama, Mixtral).
  std::string mlp = "gelu";
  // Linear biases and layer-norm shifts (GPT, BERT); false: none, RMSNorm scales only (Llama).
  bool bias = true;
  int vocab = 0;
  int sequence = 0;
  int micro_batch = 1;
  int bytes_per_element = 2;
  // Causal (decoder) attention; false: bidirectional (BERT).
  bool causal = true;
  // Position embeddings: "learned" (a sequence x hidden table: GPT, BERT) or "rotary" (none
  // to learn: Llama, Mixtral).
  std::string positions = "learned";
  // The LM head reuses the token embedding (GPT-2/3, BERT); false: its own vocab x hidden.
  bool tie_embeddings = true;
  // Mixture of experts (experts == 0: dense).
  int experts = 0;
  int top_k = 0;
  double capacity_factor = 1.0;
  int expert_ffn_hidden = 0;    // inner size of each expert's MLP (fine-grained experts); 0: ffn_hidden
  int shared_experts = 0;       // experts every token goes through (DeepSeekMoE), expert_ffn_hidden each
  int moe_layer_frequency = 1;  // after first_dense_layers, layer i is MoE when (i - first) % frequency == 0
  int first_dense_layers = 0;   // leading dense layers (DeepSeekMoE's first layer)

  int head_dim() const { return hidden / heads; }
  int expert_ffn() const { return expert_ffn_hidden > 0 ? expert_ffn_hidden : ffn_hidden; }
  bool moe() const { return experts > 0; }
  // Whether layer `l` (0-based) has an MoE block instead of the dense MLP.
  bool is_moe_layer(int l) const {
    return experts > 0 && l >= first_dense_layers && (l - first_dense_layers) % moe_layer_frequency == 0;
  }
  int moe_layers() const;
  int kv_head_count() const { return kv_heads > 0 ? kv_heads : heads; }
  // Columns of K (and of V): hidden unless grouped-query attention shrinks them.
  int kv_width() const { return kv_heads > 0 && heads > 0 ? kv_heads * head_dim() : hidden; }
  bool gated_mlp() const { return mlp == "swiglu"; }
  double parameters_per_layer() const;  // dense layer: attention + MLP + 2 layer norms
  double attention_parameters() const;  // QKV and output projections (+ biases) and the layer's 2 norms
  double mlp_parameters(double inner) const;  // one MLP of this inner size (+ biases)
  // Layer `l`: attention + its dense MLP or MoE block (router, every expert, shared experts) +
  // 2 norms; `active`: what one token uses (top_k routed experts).
  double layer_parameters(int l, bool active = false) const;
  double embedding_parameters() const;  // tokens (+ learned positions)
  double lm_head_parameters() const;    // final norm + (untied) output projection
  // The whole model; `active`: per token (MoE: top_k of the routed experts).
  double total_parameters(bool active = false) const;
  // Model FLOPs of one token in a training step (forward + backward): 6 x the parameters its
  // matrix multiplications use (the active ones, the output layer's, not the embedding
  // lookups) + 12 x layers x hidden x sequence for attention's scores and context (PaLM,
  // Chowdhery et al. 2022, Appendix B; causal masking not discounted).
  double model_flops_per_token() const;
};

// Reads a [model] table: `name` selects a zoo entry, other keys override it; without `name`
// every shape key is required. Throws InputError.
ModelSpec read_model_spec(TomlTable& t);
ModelSpec load_zoo_model(const std::string& name);
std::vector<std::string> zoo_model_names();

}  // namespace chimera
