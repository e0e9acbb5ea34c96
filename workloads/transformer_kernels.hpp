#pragma once
// The kernels of one transformer layer block on one rank, forward and backward, the backward
// split into input-gradient (IG) and weight-gradient (WG) parts (what overlap and zero-bubble
// schedules move around). Each kernel's `seconds` is filled in by a cost model.
//
// Two lowerings:
//  - standard: Megatron sharding over `tp` ranks (column-parallel QKV and first MLP
//    projection, row-parallel output projections, vocabulary-parallel embedding and LM head);
//    attention as per-head batched GEMMs (QK^T and softmax*V); MoE experts spread over `ep`
//    ranks with top-k routing and a capacity factor; non-GEMM ops (layer norm, softmax,
//    GELU, dropout, residual, routing) as memory-bound kernels with the DRAM bytes they move.
//  - isca25: exactly the GEMM lists the ISCA'25 study charges (shared/data/isca25/layer-
//    gemms/*.csv): attention as 4 GEMMs with the full hidden size and no per-head split, no
//    non-GEMM ops, MoE as top-k times the dense MLP over all tokens, no embedding or LM head
//    (the study never schedules them). Shapes are those of the full, unsharded layer; the
//    study charges each of the `tp` devices sharing a layer 1/tp of it (device_share()).
#include <vector>

#include "compute/cost_model.hpp"
#include "workloads/model_spec.hpp"
#include "workloads/program.hpp"

namespace chimera {

enum class LayerBlock { attention, mlp, moe, embedding, lm_head };
enum class LayerPass { forward, backward_input, backward_weight };
enum class LoweringMode { standard, isca25 };

const char* to_string(LayerBlock b);
const char* to_string(LayerPass p);
const char* to_string(LoweringMode m);
bool parse_lowering_mode(const std::string& text, LoweringMode& out);
inline constexpr const char* kLoweringModeChoices = "standard or isca25";

struct LayerSharding {
  int tp = 1;  // tensor-parallel ranks sharing a layer
  int ep = 1;  // expert-parallel ranks sharing the experts of an MoE block
  LoweringMode mode = LoweringMode::standard;
  // Megatron sequence parallelism: layer norms, dropouts and residuals run on 1/tp of the
  // sequence (the tensor-parallel all-reduces become reduce-scatter + all-gather).
  bool sequence_parallel = false;
};

// Throws std::invalid_argument when the sharding does not fit the model (standard: tp must
// divide heads and ffn_hidden, ep must divide experts; an MoE block needs experts > 0).
std::vector<Kernel> transformer_block_kernels(const ModelSpec& m, const LayerSharding& shard, LayerBlock block,
                                              LayerPass pass);
// Tensor parallelism only (ep = 1).
std::vector<Kernel> transformer_block_kernels(const ModelSpec& m, int tp, LayerBlock block, LayerPass pass,
                                              LoweringMode mode = LoweringMode::standard);

// Fraction of each kernel's cost charged to one device: 1 for the standard lowering (its
// shapes are already per rank), 1/tp for isca25 (full-layer shapes; the study divides the
// layer's cycles by the devices sharing it, rounding the cycle count up, which we do not).
double device_share(const LayerSharding& shard);

// Fills each kernel's seconds (times `share`); returns the sum.
double cost_kernels(std::vector<Kernel>& kernels, const ComputeCostModel& model, int bytes_per_element,
                    double share = 1.0);

}  // namespace chimera
