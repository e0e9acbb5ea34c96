#pragma once
// The kernels of one transformer layer on one tensor-parallel rank (Megatron sharding:
// column-parallel QKV and first MLP projection, row-parallel output projections), forward
// and backward, the backward split into input-gradient (IG) and weight-gradient (WG) parts.
// Each kernel's `seconds` is filled in by the given cost model.
#include <vector>

#include "compute/cost_model.hpp"
#include "workloads/model_spec.hpp"
#include "workloads/program.hpp"

namespace chimera {

enum class LayerBlock { attention, mlp };
enum class LayerPass { forward, backward_input, backward_weight };

std::vector<Kernel> transformer_block_kernels(const ModelSpec& m, int tp, LayerBlock block, LayerPass pass);

// Fills each kernel's seconds; returns the sum.
double cost_kernels(std::vector<Kernel>& kernels, const ComputeCostModel& model, int bytes_per_element);

}  // namespace chimera
