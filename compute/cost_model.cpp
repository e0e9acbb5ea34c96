#include "compute/cost_model.hpp"

#include <stdexcept>
#include <string>

#include "compute/systolic_gemm.hpp"

namespace chimera {
namespace {

// sum_{i=0}^{count-1} clamp(first + i, 0, hi), exactly (count, hi >= 0).
long double sum_clamped(long double first, long double count, long double hi) {
  // Terms below 0 contribute 0, terms above hi contribute hi; the rest are an arithmetic run.
  long double total = 0;
  long double lo_i = first < 0 ? -first : 0;            // first index with first + i >= 0
  long double hi_i = hi - first < 0 ? 0 : hi - first;   // first index with first + i >= hi
  if (lo_i > count) lo_i = count;
  if (hi_i > count) hi_i = count;
  if (hi_i < lo_i) hi_i = lo_i;
  const long double n = hi_i - lo_i;  // terms first + lo_i .. first + hi_i - 1
  total += n * (first + lo_i) + n * (n - 1) / 2;
  total += (count - hi_i) * hi;
  return total;
}

void check_attention(std::int64_t batch_heads, std::int64_t seq_q, std::int64_t seq_kv, std::int64_t head_dim) {
  for (std::int64_t v : {batch_heads, seq_q, seq_kv, head_dim})
    if (v < 1 || v > kMaxGemmDimension)
      throw std::invalid_argument("attention sizes must be between 1 and 2^40 (got batch_heads=" +
                                  std::to_string(batch_heads) + " seq_q=" + std::to_string(seq_q) +
                                  " seq_kv=" + std::to_string(seq_kv) + " head_dim=" + std::to_string(head_dim) + ")");
}

}  // namespace

const char* to_string(AttentionPass p) { return p == AttentionPass::forward ? "forward" : "backward"; }

double causal_fraction(std::int64_t seq_q, std::int64_t seq_kv) {
  // Query i keeps keys 0 .. i + seq_kv - seq_q, i.e. clamp(i + seq_kv - seq_q + 1, 0, seq_kv) of them.
  const long double kept = sum_clamped((long double)seq_kv - seq_q + 1, seq_q, seq_kv);
  return static_cast<double>(kept / ((long double)seq_q * seq_kv));
}

double ComputeCostModel::attention_seconds(std::int64_t batch_heads, std::int64_t seq_q, std::int64_t seq_kv,
                                           std::int64_t head_dim, bool causal, AttentionPass pass) const {
  check_attention(batch_heads, seq_q, seq_kv, head_dim);
  constexpr int e = 2;
  const double scores = gemm_seconds(seq_q, seq_kv, head_dim, batch_heads, e);  // Q K^T (and dP = dO V^T)
  const double by_keys = gemm_seconds(seq_q, head_dim, seq_kv, batch_heads, e);  // P V (and dQ = dS K)
  double s = scores + by_keys;
  if (pass == AttentionPass::backward) {
    const double by_queries = gemm_seconds(seq_kv, head_dim, seq_q, batch_heads, e);  // dV = P^T dO, dK = dS^T Q
    s = 2 * scores + by_keys + 2 * by_queries;
  }
  return causal ? s * causal_fraction(seq_q, seq_kv) : s;
}

std::vector<std::string> compute_model_names() { return {"auto", "gpu", "systolic", "roofline"}; }

std::string default_compute_model() { return "auto"; }

std::string resolve_compute_model(const std::string& model, const HardwarePreset& preset) {
  if (model == "auto") return preset.gpu ? "gpu" : "systolic";
  return model;
}

std::unique_ptr<ComputeCostModel> make_cost_model(const std::string& model, const HardwarePreset& preset) {
  const std::string m = resolve_compute_model(model, preset);
  if (m == "gpu") return make_gpu_model(preset);
  if (m == "systolic") return make_systolic_model(preset);
  if (m == "roofline") return make_roofline_model(preset);
  throw std::invalid_argument("unknown compute model '" + model + "'");
}

}  // namespace chimera
