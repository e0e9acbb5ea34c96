#pragma once
// The kernels of one transformer layer block on one rank, forward and backward, the backward
// split into input-gradient (IG) and weight-gradient (WG) parts (what overlap and zero-bubble
// schedules move around). Each kernel's `seconds` is filled in by a cost model.
//
// Two lowerings:
//  - standard: Megatron sharding over `tp` ranks (column-parallel QKV and first MLP
//    projection, row-parallel output projections, vocabulary-parallel embedding and LM head);
//    attention as per-head batched GEMMs (QK^T and softmax*V), or one fused FlashAttention
//    kernel; the sequence split over `cp` context-parallel ranks (ring attention: one block of
//    s/cp queries against s/cp keys per ring step; Ulysses: the whole sequence for heads/cp
//    heads); MoE experts spread over `ep` ranks with top-k routing and a capacity factor,
//    optional shared experts; non-GEMM ops (layer norm, softmax, GELU, dropout, residual,
//    routing) as memory-bound kernels with the DRAM bytes they move.
//  - isca25: exactly the GEMM lists the ISCA'25 study charges (shared/data/isca25/layer-
//    gemms/*.csv): attention as 4 GEMMs with the full hidden size and no per-head split, no
//    non-GEMM ops, MoE as top-k times the dense MLP over all tokens, no embedding or LM head
//    (the study never schedules them). Shapes are those of the full, unsharded layer; the
//    study charges each of the `tp` devices sharing a layer 1/tp of it (device_share()).
//
// Blocks with communication inside them come in parts: attention = pre (layer norm, QKV) |
// core (scores, softmax, context: where context parallelism communicates) | post (output
// projection, dropout, residual); MoE = pre (layer norm, router, top-k, permute) | side (shared
// experts, on the rank's own tokens: they overlap the dispatch) | core (the routed experts:
// between dispatch and combine) | post (un-permute, residual). `whole` is all parts in the
// pass's order (forward: pre, side, core, post; backward: post, side, core, pre).
#include <string>
#include <vector>

#include "compute/cost_model.hpp"
#include "workloads/model_spec.hpp"
#include "workloads/program.hpp"

namespace chimera {

enum class LayerBlock { attention, mlp, moe, embedding, lm_head };
enum class LayerPass { forward, backward_input, backward_weight };
enum class LoweringMode { standard, isca25 };
enum class BlockPart { whole, pre, side, core, post };
// How context parallelism shares attention: ring attention passes K/V blocks around the
// context-parallel group (Megatron-Core's CP); Ulysses all-to-alls Q/K/V from sequence shards
// to head shards and back (DeepSpeed-Ulysses).
enum class ContextParallelKind { ring, ulysses };

const char* to_string(LayerBlock b);
const char* to_string(LayerPass p);
const char* to_string(LoweringMode m);
const char* to_string(ContextParallelKind k);
bool parse_lowering_mode(const std::string& text, LoweringMode& out);
bool parse_context_parallel_kind(const std::string& text, ContextParallelKind& out);
inline constexpr const char* kLoweringModeChoices = "standard or isca25";
inline constexpr const char* kContextParallelKindChoices = "\"ring\" or \"ulysses\"";

struct LayerSharding {
  int tp = 1;  // tensor-parallel ranks sharing a layer
  int ep = 1;  // expert-parallel ranks sharing the experts of an MoE block
  LoweringMode mode = LoweringMode::standard;
  // Layer norms, dropouts and residuals run on 1/tp of the sequence (Megatron sequence
  // parallelism; the tensor-parallel all-reduces become reduce-scatter + all-gather).
  bool sequence_parallel = false;
  int cp = 1;  // context-parallel ranks sharing the sequence
  ContextParallelKind cp_kind = ContextParallelKind::ring;
  bool flash_attention = false;  // fused attention core: no materialised s x s scores
  int samples = 0;  // sequences of this rank's micro-batch (0: the model's micro_batch)
};

// Throws std::invalid_argument when the sharding does not fit the model (standard: tp must
// divide heads, kv_heads and ffn_hidden, ep must divide experts; Ulysses needs heads and
// kv_heads divisible by tp x cp; cp must divide the sequence; an MoE block needs experts).
std::vector<Kernel> transformer_block_kernels(const ModelSpec& m, const LayerSharding& shard, LayerBlock block,
                                              LayerPass pass, BlockPart part = BlockPart::whole);
// Tensor parallelism only (ep = 1).
std::vector<Kernel> transformer_block_kernels(const ModelSpec& m, int tp, LayerBlock block, LayerPass pass,
                                              LoweringMode mode = LoweringMode::standard);

// Whether a block and pass has separate parts (attention and MoE in the standard lowering).
bool has_parts(const LayerSharding& shard, LayerBlock block);

// Fraction of each kernel's cost charged to one device: 1 for the standard lowering (its
// shapes are already per rank), 1/tp for isca25 (full-layer shapes; the study divides the
// layer's cycles by the devices sharing it, rounding the cycle count up, which we do not).
double device_share(const LayerSharding& shard);

// Fills each kernel's seconds (times `share`); returns the sum.
double cost_kernels(std::vector<Kernel>& kernels, const ComputeCostModel& model, int bytes_per_element,
                    double share = 1.0);

}  // namespace chimera
