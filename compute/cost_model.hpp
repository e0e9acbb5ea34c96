#pragma once
// Turns kernels into seconds on one GPU. Engine-free.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "compute/hardware_preset.hpp"

namespace chimera {

class ComputeCostModel {
 public:
  virtual ~ComputeCostModel() = default;
  // batch x ([m x k] * [k x n]) in `bytes_per_element` precision.
  virtual double gemm_seconds(std::int64_t m, std::int64_t n, std::int64_t k, std::int64_t batch,
                              int bytes_per_element) const = 0;
  // A memory-bound kernel that moves `bytes` through DRAM.
  virtual double elementwise_seconds(double bytes) const = 0;
  // A fused attention core (FlashAttention) of `batch` heads, s_q queries against s_kv keys of
  // dimension head_dim. Default: its GEMMs at this model's GEMM rate, QK^T and PV forward, five
  // such GEMMs backward (scores recomputed, dV, dP, dQ, dK; Dao et al. 2022, §3.1), half of the
  // work when causal.
  virtual double attention_seconds(std::int64_t batch, std::int64_t s_q, std::int64_t s_kv, std::int64_t head_dim,
                                   bool causal, bool backward, int bytes_per_element) const {
    const double pair = gemm_seconds(s_q, s_kv, head_dim, batch, bytes_per_element) +
                        gemm_seconds(s_q, head_dim, s_kv, batch, bytes_per_element);
    return pair * (backward ? 2.5 : 1.0) * (causal ? 0.5 : 1.0);
  }
  // Local reduction step of a collective: combine two buffers of `bytes` each into one,
  // i.e. read 2 x bytes and write bytes through DRAM (what NCCL's reduce kernels do).
  virtual double reduction_seconds(double bytes) const { return elementwise_seconds(3 * bytes); }
  // "roofline on a100 (312 TFLOP/s, 2039 GB/s)"
  virtual std::string describe() const = 0;
};

// Roofline: max(FLOPs / peak, bytes / DRAM bandwidth), bytes = operands read once and the
// result written once.
std::unique_ptr<ComputeCostModel> make_roofline_model(const HardwarePreset& preset);

// Systolic arrays with ScaleSim-v2 semantics (compute/systolic_model.hpp); the default.
std::unique_ptr<ComputeCostModel> make_systolic_model(const HardwarePreset& preset);

// The cost models a scenario can name in [compute] model ("systolic", "roofline"), and a
// factory for them.
std::vector<std::string> compute_model_names();
std::string default_compute_model();
// Throws std::invalid_argument for an unknown name.
std::unique_ptr<ComputeCostModel> make_cost_model(const std::string& model, const HardwarePreset& preset);

}  // namespace chimera
