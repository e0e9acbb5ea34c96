#pragma once
// The ISCA'25 end-to-end experiments as programs: GPT-2 medium with TP+PP or TP+SP, and
// DeepSpeed-MoE 1.3B with TP+EP or SP+EP, baseline or fused, forward, backward (input-gradient
// communication overlapping weight-gradient compute) or pipelined backward (two half-sequence
// chunks per layer), on the research's stage placements over the a100 (DGX-2-like), dojo (2-D
// mesh), tpuv3 (2-D torus) and tpuv4 (3-D torus) interconnects, or their 64-node variants.
// Reference: shared/reference/isca25-fusion.md §3.3, §3.4, §4, §7.
//
// Unlike the original, which simulated two or three stages and extrapolated with hand-written
// formulas, the whole model runs: every stage, every layer. The result is one micro-batch's
// latency through all stages (B = 1, no pipelining), as the original reports.
#include <string>
#include <vector>

#include "compute/cost_model.hpp"
#include "workloads/fusion_pairs.hpp"
#include "workloads/model_spec.hpp"
#include "workloads/program.hpp"

namespace chimera {

enum class E2EPass { forward, backward, backward_pipeline };
const char* to_string(E2EPass p);
bool parse_e2e_pass(const std::string& text, E2EPass& out);
inline constexpr const char* kE2EPassChoices = "forward, backward, backward-pipeline";
inline constexpr const char* kE2EInterconnectChoices = "a100, dojo, tpuv3, tpuv4";

// One pipeline stage: its devices (a TP group for GPT, an EP group of G sub-groups for MoE).
struct E2EStage {
  std::vector<int> ranks;
  std::vector<int> shape;  // {X, Y} on meshes and tori, empty on the switch
  std::vector<std::vector<int>> subgroups;  // MoE: the TP / SP sub-groups
  std::vector<int> subgroup_shape;
};

// The research's placements (reference §7). `moe` selects the MoE table; `scaling` the
// 64-node configurations (GPT *_scaling, MoE *_expand and tpuv4_scaling).
std::vector<E2EStage> e2e_stages(const std::string& interconnect, bool moe, bool scaling);
// Hosts the interconnect has (16, 25, 16, 8; 64 when scaling).
int e2e_hosts(const std::string& interconnect, bool scaling);

// How a fused SP stream treats attention: `research` runs the next attention directly on the
// sequence shards (as the study's streams do); `megatron` all-gathers the sequence first, as
// Megatron sequence parallelism must.
enum class SpSemantics { research, megatron };

struct E2EConfig {
  FusionPair pair = FusionPair::tp_pp;  // tp+pp, tp+sp (GPT) or tp+ep, sp+ep (MoE)
  FusionVariant variant = FusionVariant::baseline;
  E2EPass pass = E2EPass::forward;
  std::string interconnect = "a100";
  bool scaling = false;
  SpSemantics sp = SpSemantics::research;
  // The study charges each 128-token chunk of the pipelined backward the compute of 256
  // tokens; true keeps that, false charges 128 tokens.
  bool chunk_full_compute = true;
  ModelSpec model;  // layers, hidden, sequence (256), micro_batch (1), bytes, top_k
};

// Checks the configuration (pair vs model, interconnect name, layer split); empty if valid.
std::string e2e_problem(const E2EConfig& c);

// Programs for every host of the interconnect (hosts outside the stages get empty programs).
// Compute per device: the full layer's cost (isca25 GEMM lists when `mode` is isca25) divided
// by the devices sharing it, rounded up to the nanosecond (one cycle at the study's 1 GHz).
std::vector<Program> lower_isca25_e2e(const E2EConfig& c, const ComputeCostModel& model, bool isca25_gemms);

}  // namespace chimera
