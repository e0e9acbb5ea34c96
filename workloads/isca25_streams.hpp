#pragma once
// Internal to the ISCA'25 end-to-end lowering (isca25_e2e.cpp, isca25_gpt.cpp, isca25_moe.cpp):
// one device's op stream, described as steps (compute blocks and collectives) and emitted into
// its program either forward (a dependency chain) or mirrored for the backward pass.
#include <map>
#include <optional>
#include <vector>

#include "workloads/isca25_e2e.hpp"

namespace chimera::isca25 {

// One block's per-device cost: forward, input gradient, weight gradient (seconds).
struct BlockCost {
  double fwd = 0, ig = 0, wg = 0;
};

struct Step {
  bool is_compute = false;
  const char* name = "";
  int layer = -1;
  BlockCost cost;  // compute
  CollectiveKind kind = CollectiveKind::all_reduce;
  GroupPtr group, targets;
  double bytes = 0;
  std::uint16_t stream = kCollectiveStream;
};

// Appends ops to one rank's program; groups are shared between the members that name them.
class RankProgram {
 public:
  RankProgram(Program& p, std::map<std::vector<int>, GroupPtr>& groups) : p_(p), groups_(groups) {}
  GroupPtr group(const std::vector<int>& ranks, const std::vector<int>& shape = {});
  OpIndex compute(const char* name, int layer, int chunk, double seconds, std::vector<OpIndex> deps);
  OpIndex collective(const char* name, CollectiveKind kind, const GroupPtr& g, double bytes, int layer, int chunk,
                     std::vector<OpIndex> deps, const GroupPtr& targets = nullptr,
                     std::uint16_t stream = kCollectiveStream);
  OpIndex emit(const Step& s, int chunk, double bytes_scale, std::vector<OpIndex> deps);

 private:
  Program& p_;
  std::map<std::vector<int>, GroupPtr>& groups_;
};

// Everything a stage generator needs to know about its device.
struct DeviceContext {
  const E2EConfig& config;
  const std::vector<E2EStage>& stages;
  int stage;
  int position;  // in stages[stage].ranks
  int first_unit, last_unit;  // layers (GPT) or steps (MoE) [first, last)
  double P;                   // bytes between layers: dtype x B x S x H
  BlockCost attn, mlp, experts;  // per device
  bool fused;
};

// Emits `steps` as a forward chain; returns the last op.
std::optional<OpIndex> emit_forward(RankProgram& b, const std::vector<Step>& steps);
// Emits the backward of `steps`: reversed, each compute as input gradient then weight gradient
// (the weight gradient off the critical path, overlapping the next collective), each
// collective mirrored (all-gather <-> reduce-scatter, sends reversed).
// With `chunks` > 1 every step runs per chunk (bytes / chunks), chunks interleaved step by step,
// so that one chunk's communication overlaps the next chunk's compute.
void emit_mirrored_backward(RankProgram& b, const std::vector<Step>& steps, int chunks = 1);

void lower_gpt_device(RankProgram& b, const DeviceContext& d);
void lower_moe_device(RankProgram& b, const DeviceContext& d);

}  // namespace chimera::isca25
