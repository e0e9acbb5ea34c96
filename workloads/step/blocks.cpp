// The passes of one block on one rank: compute ops and the tensor-, context- and expert-
// parallel communication around and inside them.
#include <fmt/format.h>

#include <cmath>

#include "workloads/step/role_builder.hpp"

namespace chimera::step {
namespace {

const char* op_name(LayerBlock b, LayerPass pass, const char* suffix = "") {
  static const char* const blocks[] = {"attn", "mlp", "moe", "embedding", "lm_head"};
  static const char* const passes[] = {"fwd", "bwd.ig", "bwd.wg"};
  return intern(fmt::format("{}{}.{}", blocks[static_cast<int>(b)], suffix, passes[static_cast<int>(pass)]));
}

bool needs_whole_input(LayerBlock b) { return b != LayerBlock::embedding && b != LayerBlock::moe; }

}  // namespace

OpIndex RoleBuilder::block_op(const BlockRef& b, LayerPass pass, BlockPart part, const char* suffix, int mb, Ops deps) {
  return compute(op_name(b.block, pass, suffix), b.layer, mb, in_.costs->block(rank_, b.block, b.layer, pass, part),
                 std::move(deps));
}

double RoleBuilder::dispatch_bytes() const {
  // Tokens this rank dispatches: its own (b x s/cp), or with tensor parallelism its 1/tp slice.
  const ModelSpec& m = in_.model;
  const double tokens = double(ctx_.in.layout.samples_of(rank_)) * (m.sequence / cp_) / tp_;
  const double capacity = std::ceil(m.capacity_factor * m.top_k * tokens / m.experts);
  return double(m.experts) * capacity * m.hidden * m.bytes_per_element;
}

// Whether a block leaves the residual stream sharded over the tensor-parallel group.
Act RoleBuilder::output_state(const BlockRef& b, bool last_of_stage, bool next_is_moe) const {
  if (tp_ == 1 || b.block == LayerBlock::lm_head) return Act::replicated;
  const FusionSet& f = in_.options.fusion;
  if (sp_) return Act::sharded;
  if (next_is_moe && f.has(FusionPair::tp_ep)) return Act::sharded;  // the MoE dispatches its shard
  if (b.block == LayerBlock::moe && f.has(FusionPair::tp_ep)) return Act::sharded;
  if (last_of_stage && f.has(FusionPair::tp_pp)) return Act::sharded;  // the boundary moves shards
  return Act::replicated;
}

// ---------------------------------------------------------------- forward

RoleBuilder::Ops RoleBuilder::block_forward(const BlockRef& b, int mb, Ops ready, Act& state, bool last_of_stage,
                                            bool next_is_moe) {
  const Act in = b.block == LayerBlock::embedding ? Act::replicated : state;
  const Act out = output_state(b, last_of_stage, next_is_moe);
  Ops params = gathered_parameters(b, LayerPass::forward, mb, previous_compute());
  ready.insert(ready.end(), params.begin(), params.end());
  Ops result = b.block == LayerBlock::moe ? moe_forward(b, mb, std::move(ready), state, out)
                                          : dense_forward(b, mb, std::move(ready), state, out);
  states_[{int(b.block), b.layer, mb}] = {in, state};
  return result;
}

// Embedding, attention, MLP, LM head: the input gathered when it arrives sharded (the layer
// norm already ran on the shard), the block, and its output's reduction.
RoleBuilder::Ops RoleBuilder::dense_forward(const BlockRef& b, int mb, Ops ready, Act& state, Act out) {
  if (tp_ > 1 && state == Act::sharded && needs_whole_input(b.block))
    ready = {tp_collective(CollectiveKind::all_gather, activation_bytes(), b.layer, mb, std::move(ready))};
  Ops done;
  if (b.block == LayerBlock::attention && cp_ > 1) done = attention_forward(b, mb, std::move(ready));
  else if (b.block == LayerBlock::attention && selective_recompute_core())
    done = attention_forward(b, mb, std::move(ready));
  else done = {block_op(b, LayerPass::forward, BlockPart::whole, "", mb, std::move(ready))};
  if (tp_ == 1 || b.block == LayerBlock::lm_head) {
    state = Act::replicated;
    return done;
  }
  state = out;
  const CollectiveKind reduce = out == Act::sharded ? CollectiveKind::reduce_scatter : CollectiveKind::all_reduce;
  return {tp_collective(reduce, activation_bytes(), b.layer, mb, std::move(done))};
}

// Attention in three ops (pre: layer norm and QKV; core; post: output projection) when
// something sits inside it: context parallelism's communication, or a core to recompute.
RoleBuilder::Ops RoleBuilder::attention_forward(const BlockRef& b, int mb, Ops ready) {
  const OpIndex pre = block_op(b, LayerPass::forward, BlockPart::pre, ".pre", mb, std::move(ready));
  Ops core;
  if (cp_ > 1 && in_.options.cp_kind == ContextParallelKind::ulysses) {
    // Q, K, V from sequence shards to head shards, and the context back.
    const ModelSpec& m = in_.model;
    const double tokens = double(ctx_.in.layout.samples_of(rank_)) * (m.sequence / cp_);
    const double qkv = tokens * (m.hidden + 2.0 * m.kv_width()) / tp_ * m.bytes_per_element;
    static const char* const a2a_in = intern("cp.alltoall.qkv"), *const a2a_out = intern("cp.alltoall.ctx");
    const Slot g = group({GroupKind::cp});
    const OpIndex in = collective(a2a_in, CollectiveKind::all_to_all, g, qkv, stream("cp"), in_.options.cp_algorithm,
                                  b.layer, mb, {pre});
    const OpIndex c = block_op(b, LayerPass::forward, BlockPart::core, ".core", mb, {in});
    core = {collective(a2a_out, CollectiveKind::all_to_all, g, activation_bytes() / tp_, stream("cp"),
                       in_.options.cp_algorithm, b.layer, mb, {c})};
  } else if (cp_ > 1) {
    core = ring_attention(b, mb, pre, LayerPass::forward);
  } else {
    core = {block_op(b, LayerPass::forward, BlockPart::core, ".core", mb, {pre})};
  }
  return {block_op(b, LayerPass::forward, BlockPart::post, ".post", mb, std::move(core))};
}

// Ring attention: cp steps, each the core of this rank's queries against one block of keys and
// values, while the block moves on to the next rank of the ring (K and V forward; in the
// backward also their gradients). Step k waits for block k to arrive; a block is sent on as
// soon as it is here.
RoleBuilder::Ops RoleBuilder::ring_attention(const BlockRef& b, int mb, OpIndex start, LayerPass pass) {
  const ModelSpec& m = in_.model;
  const double tokens = double(ctx_.in.layout.samples_of(rank_)) * (m.sequence / cp_);
  const double kv = tokens * 2.0 * m.kv_width() / tp_ * m.bytes_per_element;
  const double bytes = pass == LayerPass::forward ? kv : 2 * kv;  // backward: K, V and dK, dV
  const bool fwd = pass == LayerPass::forward;
  static const char* const send_name = intern("cp.send.kv"), *const recv_name = intern("cp.recv.kv");
  const int channel = ring_channel(fwd);
  const std::uint16_t send_stream = stream(fwd ? "cp.send" : "cp.send.bwd");
  const std::uint16_t recv_stream = stream(fwd ? "cp.recv" : "cp.recv.bwd");
  const Slot next = peer({PeerKind::cp_next}), prev = peer({PeerKind::cp_prev});
  Ops here = {start};  // what step k's block depends on
  OpIndex step = start;
  for (int k = 0; k < cp_; ++k) {
    if (k + 1 < cp_) {
      transfer(OpKind::send, send_name, next, bytes, send_stream, channel, mb, here);
      const OpIndex r = transfer(OpKind::recv, recv_name, prev, bytes, recv_stream, channel, mb, {});
      step = block_op(b, pass, BlockPart::core, ".core", mb, here);
      here = {r};
    } else {
      step = block_op(b, pass, BlockPart::core, ".core", mb, here);
    }
  }
  return {step};
}

// MoE: router and dispatch of this rank's tokens (with tensor parallelism, its 1/tp slice) over
// the expert-parallel group, the received tokens all-gathered over the tensor-parallel group
// (each rank holds a shard of every local expert), the experts, their partial outputs reduce-
// scattered back, the combine all-to-all, and the output: sharded, or all-gathered back to
// replicated. Without "sp+ep", context-parallel shards are all-gathered before the dispatch as
// in the research's baseline.
RoleBuilder::Ops RoleBuilder::moe_forward(const BlockRef& b, int mb, Ops ready, Act& state, Act out) {
  const ModelSpec& m = in_.model;
  const FusionSet& f = in_.options.fusion;
  static const char* const cp_gather = intern("cp.allgather");
  if (cp_ > 1 && !f.has(FusionPair::sp_ep))
    ready = {collective(cp_gather, CollectiveKind::all_gather, group({GroupKind::cp}), activation_bytes() * cp_,
                        stream("cp"), in_.options.cp_algorithm, b.layer, mb, std::move(ready))};
  const double buffer = dispatch_bytes();
  const Slot ep_group = group({GroupKind::ep});
  const std::uint16_t ep_stream = stream("ep");
  static const char* const dispatch = intern("ep.alltoall.dispatch"), *const combine = intern("ep.alltoall.combine");
  const OpIndex pre = block_op(b, LayerPass::forward, BlockPart::pre, ".pre", mb, std::move(ready));
  Ops arrived = {pre};
  if (ep_ > 1)
    arrived = {collective(dispatch, CollectiveKind::all_to_all, ep_group, buffer, ep_stream, in_.options.ep_algorithm,
                          b.layer, mb, {pre})};
  if (tp_ > 1) arrived = {tp_collective(CollectiveKind::all_gather, buffer * tp_, b.layer, mb, std::move(arrived))};
  if (m.shared_experts > 0) arrived.push_back(block_op(b, LayerPass::forward, BlockPart::side, ".shared", mb, {pre}));
  OpIndex experts = block_op(b, LayerPass::forward, BlockPart::core, ".experts", mb, std::move(arrived));
  Ops result = {experts};
  if (tp_ > 1) result = {tp_collective(CollectiveKind::reduce_scatter, buffer * tp_, b.layer, mb, std::move(result))};
  if (combine_fused_at_boundary(b)) {  // PP+EP: the next stage's ranks combine (boundaries.cpp)
    state = Act::sharded;
    pending_combine_[{stage_of_layer(b), mb}] = result;
    return result;
  }
  if (ep_ > 1)
    result = {collective(combine, CollectiveKind::all_to_all, ep_group, buffer, ep_stream, in_.options.ep_algorithm,
                         b.layer, mb, std::move(result))};
  result = {block_op(b, LayerPass::forward, BlockPart::post, ".post", mb, std::move(result))};
  state = tp_ > 1 ? Act::sharded : Act::replicated;
  if (tp_ > 1 && out == Act::replicated) {
    result = {tp_collective(CollectiveKind::all_gather, activation_bytes(), b.layer, mb, std::move(result))};
    state = Act::replicated;
  }
  return result;
}

// ---------------------------------------------------------------- backward

RoleBuilder::Ops RoleBuilder::block_backward(const BlockRef& b, int mb, Ops ready, bool with_weights, Ops& after) {
  Ops params = gathered_parameters(b, LayerPass::backward_input, mb, previous_compute());
  ready.insert(ready.end(), params.begin(), params.end());
  if (b.block == LayerBlock::moe) return moe_backward(b, mb, std::move(ready), with_weights, after);
  return dense_backward(b, mb, std::move(ready), with_weights, after);
}

// The output gradient gathered when the forward reduce-scattered the output (it arrives as
// this rank's shard), the input gradient, its reduction (reduce-scatter when the forward
// gathered the input, all-reduce when the input was whole), and the weight gradient; under
// sequence parallelism the weight gradient needs the whole input again: all-gathered while the
// input gradient computes (Megatron re-gathers it rather than keep it).
RoleBuilder::Ops RoleBuilder::dense_backward(const BlockRef& b, int mb, Ops ready, bool with_weights, Ops& after) {
  const BlockStates st = states_.at({int(b.block), b.layer, mb});
  const double act = activation_bytes();
  const bool tensor = tp_ > 1;
  if (tensor && st.out == Act::sharded && b.block != LayerBlock::lm_head)
    ready = {tp_collective(CollectiveKind::all_gather, act, b.layer, mb, std::move(ready))};
  Ops deps = ready;
  deps.insert(deps.end(), after.begin(), after.end());
  Ops ig;
  const bool split_core = b.block == LayerBlock::attention && (cp_ > 1 || selective_recompute_core());
  if (split_core) ig = attention_backward(b, mb, std::move(deps), after);
  else ig = {block_op(b, LayerPass::backward_input, BlockPart::whole, "", mb, std::move(deps))};
  const bool gathered_input = tensor && st.in == Act::sharded && needs_whole_input(b.block);
  Ops wg_deps = ig;
  if (gathered_input)  // the input again, for the weight gradient
    wg_deps.push_back(tp_collective(CollectiveKind::all_gather, act, b.layer, mb, ready, intern("tp.allgather.input")));
  Ops result = ig;
  if (tensor && b.block != LayerBlock::embedding && !reduce_into_boundary_) {
    const CollectiveKind reduce = gathered_input ? CollectiveKind::reduce_scatter : CollectiveKind::all_reduce;
    result = {tp_collective(reduce, act, b.layer, mb, ig)};
  }
  after.clear();
  if (with_weights && in_.costs->splits_backward())
    after.push_back(block_op(b, LayerPass::backward_weight, BlockPart::whole, "", mb, std::move(wg_deps)));
  else if (with_weights)
    after.push_back(ig.back());  // profiles: the weight gradient is inside the backward op
  return result;
}

// Attention's input gradient in parts (post, core, pre), with the context-parallel
// communication of the core or the recomputed core in between.
RoleBuilder::Ops RoleBuilder::attention_backward(const BlockRef& b, int mb, Ops deps, Ops& after) {
  (void)after;
  const OpIndex post = block_op(b, LayerPass::backward_input, BlockPart::post, ".post", mb, std::move(deps));
  Ops core_ready = {post};
  if (selective_recompute_core())
    core_ready = {block_op(b, LayerPass::forward, BlockPart::core, ".core.recompute", mb, std::move(core_ready))};
  Ops core;
  if (cp_ > 1 && in_.options.cp_kind == ContextParallelKind::ulysses) {
    const ModelSpec& m = in_.model;
    const double tokens = double(ctx_.in.layout.samples_of(rank_)) * (m.sequence / cp_);
    const double qkv = tokens * (m.hidden + 2.0 * m.kv_width()) / tp_ * m.bytes_per_element;
    static const char* const a2a_in = intern("cp.alltoall.dctx"), *const a2a_out = intern("cp.alltoall.dqkv");
    const Slot g = group({GroupKind::cp});
    const OpIndex in = collective(a2a_in, CollectiveKind::all_to_all, g, activation_bytes() / tp_, stream("cp"),
                                  in_.options.cp_algorithm, b.layer, mb, core_ready);
    const OpIndex c = block_op(b, LayerPass::backward_input, BlockPart::core, ".core", mb, {in});
    core = {collective(a2a_out, CollectiveKind::all_to_all, g, qkv, stream("cp"), in_.options.cp_algorithm, b.layer,
                       mb, {c})};
  } else if (cp_ > 1) {
    core = ring_attention(b, mb, core_ready.back(), LayerPass::backward_input);
  } else {
    core = {block_op(b, LayerPass::backward_input, BlockPart::core, ".core", mb, std::move(core_ready))};
  }
  return {block_op(b, LayerPass::backward_input, BlockPart::pre, ".pre", mb, std::move(core))};
}

// The forward in reverse: the output gradient sliced (the forward gathered it) or as is, the
// combine's backward (an all-to-all to the experts), gathered over tp, the experts' input
// gradient, reduce-scattered over tp, the dispatch's backward all-to-all, the router's and
// layer norm's gradient, and the input gradient gathered back to replicated when the forward
// sliced a replicated input.
RoleBuilder::Ops RoleBuilder::moe_backward(const BlockRef& b, int mb, Ops ready, bool with_weights, Ops& after) {
  const BlockStates st = states_.at({int(b.block), b.layer, mb});
  const FusionSet& f = in_.options.fusion;
  const double buffer = dispatch_bytes();
  const Slot ep_group = group({GroupKind::ep});
  const std::uint16_t ep_stream = stream("ep");
  static const char* const dispatch_grad = intern("ep.alltoall.combine.bwd"),
                           *const combine_grad = intern("ep.alltoall.dispatch.bwd");
  Ops deps = ready;
  deps.insert(deps.end(), after.begin(), after.end());
  Ops arrived;
  if (combine_fused_at_boundary(b)) {
    arrived = deps;  // the gradients came from the next stage straight to the experts (boundaries.cpp)
  } else {
    const OpIndex post = block_op(b, LayerPass::backward_input, BlockPart::post, ".post", mb, std::move(deps));
    arrived = {post};
    if (ep_ > 1)
      arrived = {collective(dispatch_grad, CollectiveKind::all_to_all, ep_group, buffer, ep_stream,
                            in_.options.ep_algorithm, b.layer, mb, {post})};
  }
  if (tp_ > 1) arrived = {tp_collective(CollectiveKind::all_gather, buffer * tp_, b.layer, mb, std::move(arrived))};
  Ops side;
  if (in_.model.shared_experts > 0)
    side = {block_op(b, LayerPass::backward_input, BlockPart::side, ".shared", mb, arrived)};
  const OpIndex experts = block_op(b, LayerPass::backward_input, BlockPart::core, ".experts", mb, arrived);
  Ops result = {experts};
  if (tp_ > 1) result = {tp_collective(CollectiveKind::reduce_scatter, buffer * tp_, b.layer, mb, std::move(result))};
  if (ep_ > 1)
    result = {collective(combine_grad, CollectiveKind::all_to_all, ep_group, buffer, ep_stream, in_.options.ep_algorithm,
                         b.layer, mb, std::move(result))};
  result.insert(result.end(), side.begin(), side.end());
  const OpIndex pre = block_op(b, LayerPass::backward_input, BlockPart::pre, ".pre", mb, std::move(result));
  result = {pre};
  static const char* const cp_scatter = intern("cp.reducescatter");
  if (cp_ > 1 && !f.has(FusionPair::sp_ep))
    result = {collective(cp_scatter, CollectiveKind::reduce_scatter, group({GroupKind::cp}), activation_bytes() * cp_,
                         stream("cp"), in_.options.cp_algorithm, b.layer, mb, std::move(result))};
  if (tp_ > 1 && st.in == Act::replicated)
    result = {tp_collective(CollectiveKind::all_gather, activation_bytes(), b.layer, mb, std::move(result))};
  after.clear();
  if (with_weights)
    after.push_back(block_op(b, LayerPass::backward_weight, BlockPart::whole, "", mb, {experts, pre}));
  return result;
}

RoleBuilder::Ops RoleBuilder::block_weight(const BlockRef& b, int mb, Ops ready) {
  return {block_op(b, LayerPass::backward_weight, BlockPart::whole, "", mb, std::move(ready))};
}

}  // namespace chimera::step
