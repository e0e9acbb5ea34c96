#include <fmt/format.h>

#include <algorithm>

#include "compute/cost_model.hpp"

namespace chimera {
namespace {

class Roofline final : public ComputeCostModel {
 public:
  explicit Roofline(HardwarePreset p) : p_(std::move(p)) {}

  double gemm_seconds(std::int64_t m, std::int64_t n, std::int64_t k, std::int64_t batch,
                      int bytes_per_element) const override {
    double flops = 2.0 * double(m) * double(n) * double(k) * double(batch);
    double bytes = double(bytes_per_element) * double(batch) * (double(m) * k + double(k) * n + double(m) * n);
    return std::max(flops / p_.peak_flops, bytes / p_.memory_bandwidth_Bps);
  }

  double elementwise_seconds(double bytes) const override { return bytes / p_.memory_bandwidth_Bps; }

  std::string describe() const override {
    return fmt::format("roofline on {} ({:.0f} TFLOP/s, {:.0f} GB/s)", p_.name, p_.peak_flops / 1e12,
                       p_.memory_bandwidth_Bps / 1e9);
  }

 private:
  HardwarePreset p_;
};

}  // namespace

std::unique_ptr<ComputeCostModel> make_roofline_model(const HardwarePreset& preset) {
  return std::make_unique<Roofline>(preset);
}

}  // namespace chimera
