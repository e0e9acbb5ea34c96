#include "compute/systolic_model.hpp"

#include <fmt/format.h>

namespace chimera {

SystolicCostModel::SystolicCostModel(HardwarePreset preset) : preset_(std::move(preset)) {}

std::size_t SystolicCostModel::KeyHash::operator()(const Key& key) const {
  // splitmix-style mixing of the four dimensions
  std::uint64_t h = 0x9e3779b97f4a7c15ull;
  for (std::int64_t v : {key.m, key.n, key.k, key.batch}) {
    h ^= static_cast<std::uint64_t>(v) + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    h *= 0xbf58476d1ce4e5b9ull;
  }
  return static_cast<std::size_t>(h ^ (h >> 31));
}

const GemmCost& SystolicCostModel::gemm_cost(std::int64_t m, std::int64_t n, std::int64_t k, std::int64_t batch) const {
  const Key key{m, n, k, batch};
  std::lock_guard lock(mutex_);
  auto it = memo_.find(key);
  if (it != memo_.end()) return it->second;
  GemmCost cost = systolic_gemm(preset_.systolic, m, n, k, batch);  // throws before anything is stored
  ++evaluations_;
  return memo_.emplace(key, cost).first->second;  // unordered_map never moves its elements
}

double SystolicCostModel::gemm_seconds(std::int64_t m, std::int64_t n, std::int64_t k, std::int64_t batch,
                                       int /*bytes_per_element*/) const {
  return gemm_cost(m, n, k, batch).seconds;
}

double SystolicCostModel::elementwise_seconds(double bytes) const { return bytes / preset_.memory_bandwidth_Bps; }

std::string SystolicCostModel::describe() const {
  const SystolicConfig& s = preset_.systolic;
  return fmt::format("systolic on {} ({} x {}x{} {} @ {:g} MHz, {:.1f} TFLOP/s, {:.0f} GB/s, {}{})", preset_.name,
                     s.arrays, s.array.rows, s.array.cols, to_string(s.array.dataflow), s.clock_hz / 1e6,
                     preset_.peak_flops / 1e12, preset_.memory_bandwidth_Bps / 1e9, to_string(s.bandwidth_mode),
                     s.dram_traffic_floor ? ", DRAM traffic floor" : "");
}

std::size_t SystolicCostModel::distinct_gemms() const {
  std::lock_guard lock(mutex_);
  return memo_.size();
}

std::uint64_t SystolicCostModel::gemm_evaluations() const {
  std::lock_guard lock(mutex_);
  return evaluations_;
}

std::unique_ptr<ComputeCostModel> make_systolic_model(const HardwarePreset& preset) {
  return std::make_unique<SystolicCostModel>(preset);
}

}  // namespace chimera
