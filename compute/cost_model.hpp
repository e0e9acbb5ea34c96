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
  // "roofline on a100 (312 TFLOP/s, 2039 GB/s)"
  virtual std::string describe() const = 0;
};

// Roofline: max(FLOPs / peak, bytes / DRAM bandwidth), bytes = operands read once and the
// result written once. A placeholder until the systolic-array model of compute/ is used.
std::unique_ptr<ComputeCostModel> make_roofline_model(const HardwarePreset& preset);

// The cost models a scenario can name in [compute] model, and a factory for them.
std::vector<std::string> compute_model_names();
std::string default_compute_model();
// Throws std::invalid_argument for an unknown name.
std::unique_ptr<ComputeCostModel> make_cost_model(const std::string& model, const HardwarePreset& preset);

}  // namespace chimera
