#pragma once
// The default compute cost model: GEMMs on the preset's systolic arrays (compute/systolic_gemm.hpp),
// memory-bound kernels at the preset's DRAM bandwidth. Identical GEMMs are costed once per
// model instance (one instance per preset and run): a thread-safe memo keyed by (m, n, k, batch).
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "compute/cost_model.hpp"
#include "compute/hardware_preset.hpp"

namespace chimera {

class SystolicCostModel final : public ComputeCostModel {
 public:
  explicit SystolicCostModel(HardwarePreset preset);

  // Full result for one GEMM, memoised. The reference stays valid for the model's lifetime.
  // Throws std::invalid_argument for dimensions < 1.
  const GemmCost& gemm_cost(std::int64_t m, std::int64_t n, std::int64_t k, std::int64_t batch = 1) const;

  // GEMMs run at the preset's precision (its bytes_per_element): the array's peak is defined
  // at that precision, so `bytes_per_element` here is not used.
  double gemm_seconds(std::int64_t m, std::int64_t n, std::int64_t k, std::int64_t batch,
                      int bytes_per_element) const override;
  double elementwise_seconds(double bytes) const override;
  std::string describe() const override;

  const HardwarePreset& preset() const { return preset_; }
  std::size_t distinct_gemms() const;          // entries in the memo
  std::uint64_t gemm_evaluations() const;      // times the closed form actually ran

 private:
  struct Key {
    std::int64_t m, n, k, batch;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& key) const;
  };
  HardwarePreset preset_;
  mutable std::mutex mutex_;
  mutable std::unordered_map<Key, GemmCost, KeyHash> memo_;
  mutable std::uint64_t evaluations_ = 0;
};

}  // namespace chimera
