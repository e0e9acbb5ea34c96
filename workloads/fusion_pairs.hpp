#pragma once
// The six hybrid-parallelism pairs of the ISCA'25 fusion study, each as its baseline chain of
// collectives or its fused replacement, lowered into one program per rank (engine-free).
// Reference: shared/reference/isca25-fusion.md §3 (synthetic definitions) and §8 (real machine).
//
// M is the pair's size argument. S = sources, T = targets ("medium" for PP+EP), N = |S| is
// the expert-parallel group of TP+EP and SP+EP, G = number of sub-groups of S, k = top-k.
//
//   pair   baseline                                      fused
//   TP+PP  AllReduce(M) in S -> M2MS(M) S->T -> AllGather(M) in T
//                                                        ReduceScatter(M) in S -> M2MS(M) -> AllGather(M) in T
//   TP+SP  AllReduce(M) in S                             ReduceScatter(M) in S
//   TP+EP  AllReduce(M) per sub-group -> AllToAll in S   ReduceScatter(M) per sub-group -> same AllToAll
//          (per-rank buffer M k G / N^2)
//   PP+EP  P2P(M) source i -> target i -> AllToAll in T  one M2MS S->T moving M k G in total
//          (per-rank buffer M k G / |T|)
//   PP+SP  AllGather(M) in T, then P2P(M) i -> i         one M2MS S->T (volume: see PpSpVolume)
//   SP+EP  AllGather(M) per sub-group -> AllToAll in S   the AllToAll only
//          (per-rank buffer M k G / N)
//
// Sizes follow collectives/: AllReduce and ReduceScatter take the per-rank input, AllGather
// the gathered size, AllToAll the per-rank send buffer, M2MS the total moved.
#include <string>
#include <vector>

#include "workloads/program.hpp"

namespace chimera {

enum class FusionPair { tp_pp, tp_sp, tp_ep, pp_ep, pp_sp, sp_ep };
enum class FusionVariant { baseline, fused };

// What the fused PP+SP many-to-many send moves. The research simulator moves M in total
// (M/(S T) per pair: each target ends with its M/T slice, `sharded`); its real-machine code
// has every source send its whole shard to every target (T M in total: each target ends with
// the full sequence, `replicated`), which is what a pipeline stage that needs the whole
// sequence receives. Default: replicated.
enum class PpSpVolume { replicated, sharded };

const char* to_string(FusionPair p);
bool parse_fusion_pair(const std::string& text, FusionPair& out);  // "tp+pp", "TP+PP", "pp+sp", ...
inline constexpr const char* kFusionPairChoices = "tp+pp, tp+sp, tp+ep, pp+ep, pp+sp, sp+ep";
const char* to_string(FusionVariant v);

// Where the groups sit. Shapes are {X, Y[, Z]} for mesh/torus placements, empty otherwise.
struct PairPlacement {
  std::string name;
  std::vector<int> source, target;
  std::vector<int> source_shape, target_shape;
  std::vector<std::vector<int>> subgroups;  // partition of `source` (TP / SP groups inside the EP group)
  std::vector<int> subgroup_shape;
};

// The research's synthetic placements: "mesh2d-5x5", "torus2d-4x4", "torus3d-2x2x2",
// "dgx2-2x8", and "linear" (source = ranks 0-3, target = 4-7, sub-groups {0,1} {2,3}).
PairPlacement synthetic_placement(const std::string& name);
std::vector<std::string> synthetic_placement_names();

struct PairOptions {
  int top_k = 2;
  PpSpVolume ppsp_volume = PpSpVolume::replicated;
  CollectiveAlgorithm algorithm = CollectiveAlgorithm::automatic;
};

// Programs for ranks 0 .. (largest rank used); ranks outside the groups get empty programs.
std::vector<Program> lower_fusion_pair(FusionPair pair, FusionVariant variant, double M, const PairPlacement& where,
                                       const PairOptions& options);

// The real-machine micro-benchmark (8 x RTX 4080, reference §8): its groups and fp32 tensor
// sizes, baseline and fused, on ranks 0-7.
struct RealMachineCase {
  double tensor_bytes;  // the per-rank tensor of the script
  std::string groups;   // for reports
};
RealMachineCase realmachine_case(FusionPair pair);
std::vector<Program> lower_realmachine_pair(FusionPair pair, FusionVariant variant, const PairOptions& options);

}  // namespace chimera
