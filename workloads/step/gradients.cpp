// Gradient synchronisation, ZeRO's parameter gathers and the optimizer step of a role.
#include <fmt/format.h>

#include "workloads/step/role_builder.hpp"

namespace chimera::step {

// Parameters of one block held by this rank: the dense ones (replicated over dp x cp) and the
// routed experts' (replicated over the expert-data-parallel ranks).
RoleBuilder::BlockParams RoleBuilder::block_parameters(const BlockRef& b) const {
  const ModelSpec& m = in_.model;
  BlockParams p;
  if (auto bytes = in_.costs->gradient_bytes(rank_, b.block, b.layer)) {
    p.dense = *bytes / m.bytes_per_element;
    return p;
  }
  switch (b.block) {
    case LayerBlock::embedding: p.dense = m.embedding_parameters() / tp_; break;
    case LayerBlock::lm_head: {
      // The final norm and the output layer: its own, or the tied embedding's copy on the last of
      // several stages; with one stage the tied output layer's gradient is the embedding's.
      const double output = m.tie_embeddings && s_.stage_count == 1 ? 0.0 : double(m.vocab) * m.hidden;
      p.dense = (output + (m.bias ? 2.0 : 1.0) * m.hidden) / tp_;
      break;
    }
    case LayerBlock::attention: p.dense = m.attention_parameters() / tp_; break;  // with the layer's two norms
    case LayerBlock::mlp: p.dense = m.mlp_parameters(m.ffn_hidden) / tp_; break;
    case LayerBlock::moe: {
      const double expert = m.mlp_parameters(m.expert_ffn());
      p.expert = double(m.experts) / ep_ * expert / tp_;
      p.dense = (double(m.hidden) * m.experts + m.shared_experts * expert) / tp_;  // router, shared experts
      break;
    }
  }
  return p;
}

OpIndex RoleBuilder::sync_op(const char* name, CollectiveKind kind, GroupSpec g, double bytes, int layer, Ops deps) {
  return collective(name, kind, group(g), bytes, kDataParallelStream, in_.options.dp_algorithm, layer, -1,
                    std::move(deps));
}

// The gradients of `params` after `deps`: all-reduced, or reduce-scattered under ZeRO (each
// rank then owns 1/n of them), over the ranks holding the same stage (and experts).
void RoleBuilder::reduce_gradients(int st, int layer, BlockParams params, Ops deps, Ops& syncs) {
  const double e = in_.model.bytes_per_element;
  const bool zero = in_.options.zero_stage >= 1;
  const CollectiveKind kind = zero ? CollectiveKind::reduce_scatter : CollectiveKind::all_reduce;
  static const char* const names[2][2] = {{intern("dp.allreduce"), intern("dp.reducescatter")},
                                          {intern("edp.allreduce"), intern("edp.reducescatter")}};
  if (params.dense > 0) {
    GroupSpec g{GroupKind::dense_sync, st};
    if (p_group_size(g) > 1) syncs.push_back(sync_op(names[0][zero], kind, g, params.dense * e, layer, deps));
  }
  if (params.expert > 0) {
    GroupSpec g{GroupKind::expert_sync, st};
    if (p_group_size(g) > 1) syncs.push_back(sync_op(names[1][zero], kind, g, params.expert * e, layer, deps));
  }
}

int RoleBuilder::p_group_size(GroupSpec g) { return p_.groups[group(g)]->size(); }

// At the schedule's sync point (overlap off): the stage's gradients in one go, waiting for the
// stage's last backward here. With overlap on, the layers were reduced as they completed.
void RoleBuilder::gradient_sync_stage(int st, Ops& syncs) {
  if (in_.options.overlap_grad_reduce || in_.options.zero_stage >= 2) {
    syncs.insert(syncs.end(), layer_syncs_.begin(), layer_syncs_.end());
    layer_syncs_.clear();
    return;
  }
  const StageMemory& m = ctx_.stages[st];
  const BlockParams total{m.parameters - m.expert_parameters, m.expert_parameters};
  Ops deps = last_stage_done_.count(st) ? last_stage_done_.at(st) : Ops{};
  reduce_gradients(st, ctx_.stages[st].first_layer, total, deps, syncs);
}

void RoleBuilder::gradient_sync_layer(int st, const BlockRef& b, OpIndex wg) {
  reduce_gradients(st, b.layer, block_parameters(b), {wg}, layer_syncs_);
}

void RoleBuilder::sync_stage_layers(int st, OpIndex wg) {
  auto blocks = blocks_of(st);
  std::reverse(blocks.begin(), blocks.end());
  for (const BlockRef& b : blocks) gradient_sync_layer(st, b, wg);
}

// ZeRO's parameter all-gathers before a block's pass: stage 3 gathers every layer's
// parameters before its forward and again before its backward, one layer ahead of the compute
// (FSDP's prefetch); stages 1 and 2 gather the updated shards once, before the first forward
// (the previous step's update; Megatron overlaps it with this forward).
RoleBuilder::Ops RoleBuilder::gathered_parameters(const BlockRef& b, LayerPass pass, int mb, const Ops& previous_compute) {
  const int zero = in_.options.zero_stage;
  if (zero == 0 || pass == LayerPass::backward_weight) return {};
  if (zero < 3 && (pass != LayerPass::forward || gathered_once_.count({int(b.block), b.layer}))) return {};
  if (zero < 3) gathered_once_.insert({int(b.block), b.layer});
  const BlockParams params = block_parameters(b);
  const double e = in_.model.bytes_per_element;
  static const char* const name = intern("zero.allgather");
  Ops out;
  const int st = stage_of_layer(b);
  if (params.dense > 0) {
    GroupSpec g{GroupKind::dense_sync, st};
    if (p_group_size(g) > 1)
      out.push_back(sync_op(name, CollectiveKind::all_gather, g, params.dense * e, b.layer,
                            zero == 3 ? previous_compute : Ops{}));
  }
  if (params.expert > 0) {
    GroupSpec g{GroupKind::expert_sync, st};
    if (p_group_size(g) > 1)
      out.push_back(sync_op(name, CollectiveKind::all_gather, g, params.expert * e, b.layer,
                            zero == 3 ? previous_compute : Ops{}));
  }
  (void)mb;
  return out;
}

int RoleBuilder::stage_of_layer(const BlockRef& b) const {
  for (int st : s_.stages_of(place_.worker)) {
    const StageMemory& m = ctx_.stages[st];
    if (b.block == LayerBlock::embedding && m.embedding) return st;
    if (b.block == LayerBlock::lm_head && m.lm_head) return st;
    if (b.layer >= m.first_layer && b.layer < m.first_layer + m.layers) return st;
  }
  return 0;
}

std::optional<OpIndex> RoleBuilder::optimizer_step(Ops deps) {
  bool any = false;
  for (int st : s_.stages_of(place_.worker)) any = any || !blocks_of(st).empty();
  if (!any) return std::nullopt;  // a worker without layers (a relay) updates nothing
  double params = 0;
  for (int st : s_.stages_of(place_.worker)) {
    const StageMemory& m = ctx_.stages[st];
    double dense = m.parameters - m.expert_parameters, expert = m.expert_parameters;
    if (in_.options.zero_stage >= 1) {  // each rank updates its shard
      dense /= p_group_size({GroupKind::dense_sync, st});
      if (expert > 0) expert /= p_group_size({GroupKind::expert_sync, st});
    }
    params += dense + expert;
  }
  const BlockCost c = in_.costs->optimizer(rank_, params, 0);
  return compute(intern("optimizer"), -1, -1, c, std::move(deps));
}

}  // namespace chimera::step
