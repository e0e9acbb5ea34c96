#include "workloads/isca25_e2e.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

#include "workloads/isca25_streams.hpp"
#include "workloads/transformer_kernels.hpp"

namespace chimera {
namespace {

using isca25::BlockCost;

bool is_moe_pair(FusionPair p) { return p == FusionPair::tp_ep || p == FusionPair::sp_ep; }

// Full-layer costs of one block (forward, input gradient, weight gradient), in seconds.
BlockCost block_cost(const ModelSpec& m, LayerBlock b, const ComputeCostModel& model, bool isca25) {
  LayerSharding shard;
  shard.mode = isca25 ? LoweringMode::isca25 : LoweringMode::standard;
  BlockCost c;
  double* out[3] = {&c.fwd, &c.ig, &c.wg};
  for (int p = 0; p < 3; ++p) {
    auto ks = transformer_block_kernels(m, shard, b, static_cast<LayerPass>(p));
    *out[p] = cost_kernels(ks, model, m.bytes_per_element);
  }
  return c;
}

// The study charges ceil(cycles / devices) per device; at its 1 GHz a cycle is a nanosecond.
double per_device(double full_s, double devices) { return std::ceil(full_s * 1e9 / devices - 1e-6) / 1e9; }
BlockCost per_device(const BlockCost& c, double devices) {
  return {per_device(c.fwd, devices), per_device(c.ig, devices), per_device(c.wg, devices)};
}

// Layers (GPT) or steps (MoE: a dense and an MoE layer) of each stage: as even as possible,
// earlier stages taking the remainder.
std::vector<std::pair<int, int>> split_units(int units, int stages) {
  std::vector<std::pair<int, int>> out;
  int start = 0;
  for (int s = 0; s < stages; ++s) {
    int n = units / stages + (s < units % stages ? 1 : 0);
    out.push_back({start, start + n});
    start += n;
  }
  return out;
}

}  // namespace

const char* to_string(E2EPass p) {
  switch (p) {
    case E2EPass::forward: return "forward";
    case E2EPass::backward: return "backward";
    case E2EPass::backward_pipeline: return "backward-pipeline";
  }
  return "?";
}

bool parse_e2e_pass(const std::string& t, E2EPass& out) {
  for (E2EPass p : {E2EPass::forward, E2EPass::backward, E2EPass::backward_pipeline})
    if (t == to_string(p)) return out = p, true;
  return false;
}

std::string e2e_problem(const E2EConfig& c) {
  if (c.pair == FusionPair::pp_ep || c.pair == FusionPair::pp_sp)
    return fmt::format("{} has no end-to-end experiment (its M2MS appears at the stage boundaries of tp+ep and tp+sp)",
                       to_string(c.pair));
  if (e2e_hosts(c.interconnect, c.scaling) == 0)
    return fmt::format("unknown interconnect '{}' (valid: {})", c.interconnect, kE2EInterconnectChoices);
  const bool moe = is_moe_pair(c.pair);
  if (moe && c.model.experts == 0) return fmt::format("{} needs an MoE model (experts > 0)", to_string(c.pair));
  if (!moe && c.model.experts > 0) return fmt::format("{} runs a dense model", to_string(c.pair));
  auto stages = e2e_stages(c.interconnect, moe, c.scaling);
  int units = moe ? c.model.layers / 2 : c.model.layers;
  if (moe && c.model.layers % 2 != 0) return "an MoE model here alternates dense and MoE layers: layers must be even";
  if (units < static_cast<int>(stages.size()))
    return fmt::format("{} {} for {} stages", units, moe ? "steps" : "layers", stages.size());
  return {};
}

std::vector<Program> lower_isca25_e2e(const E2EConfig& c, const ComputeCostModel& model, bool isca25_gemms) {
  if (std::string problem = e2e_problem(c); !problem.empty()) throw std::invalid_argument(problem);
  const bool moe = is_moe_pair(c.pair);
  const auto stages = e2e_stages(c.interconnect, moe, c.scaling);
  const int C = static_cast<int>(stages.size());
  const ModelSpec& m = c.model;
  const double P = double(m.bytes_per_element) * m.micro_batch * m.sequence * m.hidden;
  const auto ranges = split_units(moe ? m.layers / 2 : m.layers, C);

  // The pipelined backward runs half-sequence chunks; the study charges each the full compute.
  ModelSpec costed = m;
  if (c.pass == E2EPass::backward_pipeline && !c.chunk_full_compute) costed.sequence = m.sequence / 2;
  const BlockCost attn = block_cost(costed, LayerBlock::attention, model, isca25_gemms);
  const BlockCost mlp = block_cost(costed, LayerBlock::mlp, model, isca25_gemms);
  const BlockCost experts = moe ? block_cost(costed, LayerBlock::moe, model, isca25_gemms) : BlockCost{};

  std::vector<Program> programs(e2e_hosts(c.interconnect, c.scaling));
  for (std::size_t r = 0; r < programs.size(); ++r) programs[r].rank = static_cast<int>(r);
  std::map<std::vector<int>, GroupPtr> groups;
  for (int s = 0; s < C; ++s) {
    const E2EStage& st = stages[s];
    const double N = double(st.ranks.size());
    // GPT: a layer shared by the T devices of the stage. MoE: attention and MLP by the t devices
    // of a sub-group, the experts of the G sub-groups spread over the N devices.
    const double sharing = moe ? N / double(st.subgroups.size()) : N;  // T, or t = N / G
    const double expert_devices = moe ? N / double(st.subgroups.size()) : 1.0;  // C_moe G / N each
    for (std::size_t pos = 0; pos < st.ranks.size(); ++pos) {
      isca25::RankProgram b(programs[st.ranks[pos]], groups);
      isca25::DeviceContext d{c,
                              stages,
                              s,
                              static_cast<int>(pos),
                              ranges[s].first,
                              ranges[s].second,
                              P,
                              per_device(attn, sharing),
                              per_device(mlp, sharing),
                              per_device(experts, expert_devices),
                              c.variant == FusionVariant::fused};
      if (moe) isca25::lower_moe_device(b, d);
      else isca25::lower_gpt_device(b, d);
    }
  }
  return programs;
}

}  // namespace chimera
