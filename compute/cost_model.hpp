#pragma once
// Turns kernels into seconds on one GPU. Engine-free.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "compute/hardware_preset.hpp"

namespace chimera {

enum class AttentionPass { forward, backward };
const char* to_string(AttentionPass p);  // "forward", "backward"

class ComputeCostModel {
 public:
  virtual ~ComputeCostModel() = default;
  // batch x ([m x k] * [k x n]) in `bytes_per_element` precision.
  virtual double gemm_seconds(std::int64_t m, std::int64_t n, std::int64_t k, std::int64_t batch,
                              int bytes_per_element) const = 0;
  // A memory-bound kernel that moves `bytes` through DRAM.
  virtual double elementwise_seconds(double bytes) const = 0;
  // Local reduction step of a collective: combine two buffers of `bytes` each into one,
  // i.e. read 2 x bytes and write bytes through DRAM (what NCCL's reduce kernels do).
  // Linear in `bytes` (callers take reduction_seconds(1.0) as a cost per byte).
  virtual double reduction_seconds(double bytes) const { return elementwise_seconds(3 * bytes); }
  // Fused (flash) attention over `batch_heads` query heads of `seq_q` queries against `seq_kv`
  // keys of `head_dim` elements (16-bit): the scores never leave the chip. Causal masks are
  // aligned to the last query (query i sees keys j <= i + seq_kv - seq_q). The backward pass
  // recomputes the scores and produces dQ, dK and dV.
  // Default: the equivalent batched GEMMs (forward QK^T and PV; backward the recomputed QK^T,
  // dP = dO V^T, dV = P^T dO, dQ = dS K, dK = dS^T Q) at gemm_seconds, times the unmasked
  // fraction of the scores when causal. Throws std::invalid_argument for sizes < 1.
  virtual double attention_seconds(std::int64_t batch_heads, std::int64_t seq_q, std::int64_t seq_kv,
                                   std::int64_t head_dim, bool causal, AttentionPass pass) const;
  // "roofline on a100 (312 TFLOP/s, 2039 GB/s)"
  virtual std::string describe() const = 0;
};

// Fraction of the seq_q x seq_kv scores a causal mask (aligned to the last query) keeps.
double causal_fraction(std::int64_t seq_q, std::int64_t seq_kv);

// Roofline: max(FLOPs / peak, bytes / DRAM bandwidth), bytes = operands read once and the
// result written once.
std::unique_ptr<ComputeCostModel> make_roofline_model(const HardwarePreset& preset);

// Systolic arrays with ScaleSim-v2 semantics (compute/systolic_model.hpp).
std::unique_ptr<ComputeCostModel> make_systolic_model(const HardwarePreset& preset);

// Calibrated GPU kernels (compute/gpu_model.hpp); needs a preset with a [gpu] table.
std::unique_ptr<ComputeCostModel> make_gpu_model(const HardwarePreset& preset);

// The cost models a scenario can name in [compute] model: "auto", "gpu", "systolic",
// "roofline". "auto" (the default) is each preset's own: "gpu" where the preset has a [gpu]
// calibration table (the GPU presets), "systolic" otherwise (isca25, the TPUs).
std::vector<std::string> compute_model_names();
std::string default_compute_model();
// The model `model` stands for on `preset` ("auto" resolved; other names unchanged).
std::string resolve_compute_model(const std::string& model, const HardwarePreset& preset);
// Throws std::invalid_argument for an unknown name, InputError for "gpu" on a preset without
// a [gpu] table.
std::unique_ptr<ComputeCostModel> make_cost_model(const std::string& model, const HardwarePreset& preset);

}  // namespace chimera
