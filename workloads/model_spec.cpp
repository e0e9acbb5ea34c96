#include "workloads/model_spec.hpp"

#include <fmt/format.h>

#include <limits>

#include "common/embedded_files.hpp"
#include "common/input_error.hpp"
#include "common/toml_reader.hpp"

namespace chimera {
namespace {

std::string zoo_choices() {
  std::string s;
  for (const auto& n : zoo_model_names()) s += (s.empty() ? "" : ", ") + n;
  return s;
}

void apply(TomlTable& t, ModelSpec& m, bool require_shape) {
  auto set_int = [&](const char* key, int& field, bool required, std::int64_t min, const char* valid) {
    if (auto v = t.integer(key, valid)) {
      if (*v < min) throw t.error(key, fmt::format("must be >= {} (got {})", min, *v), valid);
      if (*v > std::numeric_limits<int>::max())
        throw t.error(key, fmt::format("must be <= {} (got {})", std::numeric_limits<int>::max(), *v), valid);
      field = static_cast<int>(*v);
    } else if (required) {
      throw t.error(key, "missing required key (no zoo `name` given)", valid);
    }
  };
  set_int("layers", m.layers, require_shape, 1, "number of transformer layers, >= 1");
  set_int("hidden", m.hidden, require_shape, 1, "hidden size, >= 1");
  set_int("heads", m.heads, require_shape, 1, "attention heads dividing hidden");
  set_int("vocab", m.vocab, require_shape, 1, "vocabulary size, >= 1");
  set_int("sequence", m.sequence, require_shape, 1, "sequence length in tokens, >= 1");
  set_int("kv_heads", m.kv_heads, false, 1, "key/value heads dividing heads (grouped-query attention)");
  set_int("ffn_hidden", m.ffn_hidden, false, 1, "MLP inner size (default 4 x hidden)");
  if (auto v = t.string("mlp", "\"gelu\" or \"swiglu\"")) {
    if (*v != "gelu" && *v != "swiglu") throw t.error("mlp", fmt::format("unknown MLP '{}'", *v), "\"gelu\" or \"swiglu\"");
    m.mlp = *v;
  }
  if (auto v = t.boolean("bias")) m.bias = *v;
  if (auto v = t.boolean("causal")) m.causal = *v;
  if (auto v = t.boolean("tie_embeddings")) m.tie_embeddings = *v;
  if (auto v = t.string("positions", "\"learned\" or \"rotary\"")) {
    if (*v != "learned" && *v != "rotary")
      throw t.error("positions", fmt::format("unknown position embedding '{}'", *v), "\"learned\" or \"rotary\"");
    m.positions = *v;
  }
  set_int("micro_batch", m.micro_batch, false, 1, "sequences per micro-batch, >= 1");
  set_int("bytes_per_element", m.bytes_per_element, false, 1, "1, 2 (fp16/bf16) or 4 (fp32)");
  set_int("experts", m.experts, false, 0, "number of experts per MoE layer (0 = dense)");
  set_int("top_k", m.top_k, false, 0, "experts per token, <= experts");
  if (auto v = t.number("capacity_factor", "a number >= 1")) {
    if (*v <= 0) throw t.error("capacity_factor", "must be positive", "a number > 0, typically 1 to 2");
    m.capacity_factor = *v;
  }
  set_int("expert_ffn_hidden", m.expert_ffn_hidden, false, 1, "inner size of each expert's MLP, >= 1");
  set_int("shared_experts", m.shared_experts, false, 0, "experts every token uses, >= 0");
  set_int("moe_layer_frequency", m.moe_layer_frequency, false, 1, "every n-th layer is MoE, >= 1");
  set_int("first_dense_layers", m.first_dense_layers, false, 0, "leading dense layers, >= 0");
  if (m.ffn_hidden == 0) {
    if (m.hidden > std::numeric_limits<int>::max() / 4)
      throw t.error("hidden", fmt::format("{} is too large for the default MLP size 4 x hidden", m.hidden),
                    "a smaller hidden size, or ffn_hidden");
    m.ffn_hidden = 4 * m.hidden;
  }
  if (m.experts == 0)
    for (const char* key : {"expert_ffn_hidden", "shared_experts", "moe_layer_frequency", "first_dense_layers"})
      if (t.has(key)) throw t.error(key, "an MoE setting for a dense model (experts = 0)", "set experts > 0, or drop it");
  if (m.heads % m.kv_head_count() != 0)
    throw t.error("kv_heads", fmt::format("{} key/value heads do not divide the {} heads", m.kv_head_count(), m.heads),
                  "a divisor of heads");
  if (m.bytes_per_element != 1 && m.bytes_per_element != 2 && m.bytes_per_element != 4)
    throw t.error("bytes_per_element", fmt::format("unsupported element size {}", m.bytes_per_element), "1, 2 or 4");
  if (m.hidden % m.heads != 0)
    throw t.error("heads", fmt::format("{} heads do not divide hidden size {}", m.heads, m.hidden),
                  "a divisor of hidden");
  if (m.experts > 0 && (m.top_k < 1 || m.top_k > m.experts))
    throw t.error("top_k", fmt::format("top_k {} with {} experts", m.top_k, m.experts), "1 <= top_k <= experts");
  if (m.experts == 0 && m.top_k != 0)
    throw t.error("top_k", "top_k without experts", "set experts > 0, or drop top_k");
}

}  // namespace

namespace {
double norm_parameters(const ModelSpec& m) { return (m.bias ? 2.0 : 1.0) * m.hidden; }  // scale (and shift)
}  // namespace

// One MLP of inner size f: gate+up and down (gated), or fc1 and fc2, with their biases.
double ModelSpec::mlp_parameters(double f) const {
  const double h = hidden, b = bias ? 1 : 0;
  return gated_mlp() ? 3 * h * f + b * (2 * f + h) : 2 * h * f + b * (f + h);
}

double ModelSpec::attention_parameters() const {
  const double h = hidden, b = bias ? 1 : 0;
  const double qkv = h + 2.0 * kv_width();  // Q, K, V columns
  return h * qkv + h * h + b * (qkv + h) + 2 * norm_parameters(*this);
}

double ModelSpec::parameters_per_layer() const { return attention_parameters() + mlp_parameters(ffn_hidden); }

int ModelSpec::moe_layers() const {
  int n = 0;
  for (int l = 0; l < layers; ++l) n += is_moe_layer(l);
  return n;
}

double ModelSpec::layer_parameters(int l, bool active) const {
  if (!is_moe_layer(l)) return parameters_per_layer();
  const double expert = mlp_parameters(expert_ffn());
  const double routed = (active ? top_k : experts) * expert;
  const double router = double(hidden) * experts;
  return attention_parameters() + router + routed + shared_experts * expert;
}

double ModelSpec::embedding_parameters() const {
  return double(vocab) * hidden + (positions == "learned" ? double(sequence) * hidden : 0.0);
}

double ModelSpec::lm_head_parameters() const {
  return norm_parameters(*this) + (tie_embeddings ? 0.0 : double(vocab) * hidden);
}

double ModelSpec::model_flops_per_token() const {
  const double matmul = total_parameters(true) - embedding_parameters() + (tie_embeddings ? double(vocab) * hidden : 0.0);
  return 6.0 * matmul + 12.0 * layers * hidden * double(sequence);
}

double ModelSpec::total_parameters(bool active) const {
  double total = embedding_parameters() + lm_head_parameters();
  for (int l = 0; l < layers; ++l) total += layer_parameters(l, active);
  return total;
}

std::vector<std::string> zoo_model_names() { return embedded_names("workloads/models", ".toml"); }

ModelSpec load_zoo_model(const std::string& name) {
  std::string rel = fmt::format("workloads/models/{}.toml", name);
  auto text = find_embedded_file(rel);
  if (!text) throw InputError({}, "model.name", fmt::format("unknown model '{}'", name), zoo_choices());
  TomlTable t = TomlTable::parse_string(*text, rel);
  ModelSpec m;
  m.name = t.require_string("name", "the zoo name");
  if (auto d = t.string("description")) (void)d;
  if (auto s = t.string("source")) (void)s;
  apply(t, m, true);
  t.reject_unknown_keys();
  return m;
}

ModelSpec read_model_spec(TomlTable& t) {
  ModelSpec m;
  if (auto name = t.string("name", zoo_choices())) {
    if (!find_embedded_file(fmt::format("workloads/models/{}.toml", *name)))
      throw t.error("name", fmt::format("unknown model '{}'", *name), zoo_choices());
    m = load_zoo_model(*name);
    apply(t, m, false);
  } else {
    apply(t, m, true);
  }
  t.reject_unknown_keys();
  return m;
}

}  // namespace chimera
