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
  // Mixture of experts (experts == 0: dense).
  int experts = 0;
  int top_k = 0;
  double capacity_factor = 1.0;

  int head_dim() const { return hidden / heads; }
  int kv_head_count() const { return kv_heads > 0 ? kv_heads : heads; }
  // Columns of K (and of V): hidden unless grouped-query attention shrinks them.
  int kv_width() const { return kv_heads > 0 && heads > 0 ? kv_heads * head_dim() : hidden; }
  bool gated_mlp() const { return mlp == "swiglu"; }
  double parameters_per_layer() const;  // dense layer: attention + MLP + 2 layer norms
};

// Reads a [model] table: `name` selects a zoo entry, other keys override it; without `name`
// every shape key is required. Throws InputError.
ModelSpec read_model_spec(TomlTable& t);
ModelSpec load_zoo_model(const std::string& name);
std::vector<std::string> zoo_model_names();

}  // namespace chimera
