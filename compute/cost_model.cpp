#include "compute/cost_model.hpp"

#include <stdexcept>

namespace chimera {

std::vector<std::string> compute_model_names() { return {"systolic", "roofline"}; }

std::string default_compute_model() { return "systolic"; }

std::unique_ptr<ComputeCostModel> make_cost_model(const std::string& model, const HardwarePreset& preset) {
  if (model == "systolic") return make_systolic_model(preset);
  if (model == "roofline") return make_roofline_model(preset);
  throw std::invalid_argument("unknown compute model '" + model + "'");
}

}  // namespace chimera
