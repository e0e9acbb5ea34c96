#include "workloads/step/role_builder.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace chimera::step {

std::uint64_t action_key(ActionType t, int pipe, int stage, int mb) {
  return (std::uint64_t(t) << 60) | (std::uint64_t(pipe & 0xfff) << 48) | (std::uint64_t(stage & 0xffff) << 32) |
         std::uint64_t(std::uint32_t(mb));
}

RoleBuilder::RoleBuilder(const StepContext& ctx, int rank)
    : ctx_(ctx),
      in_(ctx.in),
      s_(ctx.schedule),
      rank_(rank),
      place_(ctx.in.layout.place(rank)),
      worker_(ctx.in.layout.worker(place_.worker)),
      tp_(ctx.in.options.tp_communication ? worker_.tp : 1),
      cp_(worker_.cp),
      ep_(ctx.in.layout.ep()),
      sp_((ctx.in.options.sequence_parallel || ctx.in.options.fusion.has(FusionPair::tp_sp)) && worker_.tp > 1) {
  p_.rank = rank;
  // Collectives take their stream's number as channel (workloads/channels.hpp): keep the
  // streams that carry collectives among the first 16.
  if (ep_ > 1 && in_.model.moe()) stream("ep");
  if (cp_ > 1) stream("cp");
}

// ---------------------------------------------------------------- slots, streams, ops

Slot RoleBuilder::group(GroupSpec spec) {
  auto it = group_slots_.find(spec);
  if (it != group_slots_.end()) return it->second;
  group_specs_.push_back(spec);
  p_.groups.push_back(ctx_.group_of(spec, rank_));
  return group_slots_[spec] = static_cast<Slot>(p_.groups.size() - 1);
}

Slot RoleBuilder::peer(PeerSpec spec) {
  auto it = peer_slots_.find(spec);
  if (it != peer_slots_.end()) return it->second;
  peer_specs_.push_back(spec);
  p_.peers.push_back(ctx_.peer_of(spec, rank_));
  return peer_slots_[spec] = static_cast<Slot>(p_.peers.size() - 1);
}

std::uint16_t RoleBuilder::stream(const std::string& name) {
  auto it = streams_.find(name);
  if (it != streams_.end()) return it->second;
  const auto& names = p_.stream_names();
  auto known = std::find(names.begin(), names.end(), name);
  if (known != names.end()) return streams_[name] = static_cast<std::uint16_t>(known - names.begin());
  return streams_[name] = p_.add_stream(name);
}

OpIndex RoleBuilder::compute(const char* name, int layer, int mb, const BlockCost& c, Ops deps) {
  Op op = compute_op(name, layer, mb, c.seconds, std::move(deps));
  op.kernels = c.kernels;
  computed_ = true;
  return last_compute_ = p_.add(std::move(op));
}

OpIndex RoleBuilder::collective(const char* name, CollectiveKind kind, Slot g, double bytes, std::uint16_t stream_id,
                                CollectiveAlgorithm algo, int layer, int mb, Ops deps, Slot targets, int channel) {
  Op op = collective_op(name, kind, g, bytes, stream_id, layer, mb, std::move(deps));
  op.algorithm = algo;
  op.targets = targets;
  op.channel = channel;
  return p_.add(std::move(op));
}

OpIndex RoleBuilder::tp_collective(CollectiveKind kind, double bytes, int layer, int mb, Ops deps, const char* name) {
  static const char* const names[] = {intern("tp.allreduce"), intern("tp.reducescatter"), intern("tp.allgather")};
  if (!name)
    name = kind == CollectiveKind::all_reduce       ? names[0]
           : kind == CollectiveKind::reduce_scatter ? names[1]
                                                    : names[2];
  return collective(name, kind, group({GroupKind::tp}), bytes, kCollectiveStream, in_.options.tp_algorithm, layer, mb,
                    std::move(deps));
}

OpIndex RoleBuilder::transfer(OpKind kind, const char* name, Slot peer_slot, double bytes, std::uint16_t stream_id,
                              int channel, int mb, Ops deps) {
  Op op;
  op.kind = kind;
  op.stream = stream_id;
  op.channel = channel;
  op.name = name;
  op.micro_batch = mb;
  op.peer = peer_slot;
  op.bytes = bytes;
  op.deps = std::move(deps);
  return p_.add(std::move(op));
}

double RoleBuilder::activation_bytes() const {
  return double(ctx_.in.layout.samples_of(rank_)) * (in_.model.sequence / cp_) * in_.model.hidden *
         in_.model.bytes_per_element;
}

// ---------------------------------------------------------------- the schedule walk

Program RoleBuilder::build(std::vector<LiveActivation>& live, OpIndex& optimizer) {
  const int w = place_.worker;
  std::unordered_map<std::uint64_t, OpIndex> first_op;  // F action -> its first compute op
  Ops syncs, last_done;
  // With overlapped gradient reduction, the backward whose weight gradients complete a stage
  // before a sync point launches each layer's reduction itself: find those backwards.
  if (in_.options.overlap_grad_reduce) {
    std::map<int, int> last_backward;  // stage -> micro-batch of its latest B (or W)
    const ActionType frees = s_.split_backward ? ActionType::weight : ActionType::backward;
    for (const Action& a : s_.actions[w]) {
      if (a.type == frees) last_backward[a.stage] = a.micro_batch;
      if (a.type == ActionType::gradient_sync && last_backward.count(a.stage))
        sync_after_.insert({a.stage, last_backward[a.stage]});
    }
  }
  for (const Action& a : s_.actions[w]) on_action(a, first_op, live, syncs, last_done);
  Ops deps = syncs;
  deps.insert(deps.end(), last_done.begin(), last_done.end());
  optimizer = optimizer_step(deps).value_or(kNoOptimizer);
  return std::move(p_);
}

void RoleBuilder::on_action(const Action& a, std::unordered_map<std::uint64_t, OpIndex>& first_op,
                            std::vector<LiveActivation>& live, Ops& syncs, Ops& last_done) {
  const int w = place_.worker;
  const auto& map = s_.pipes[a.pipe].worker_of_stage;
  const int last_stage = s_.stage_count - 1;
  auto done = [&](ActionType t, int stage, int mb) -> Ops { return done_.at(action_key(t, a.pipe, stage, mb)); };
  auto recv = [&](ActionType t, int from_stage) { return recv_.at(action_key(t, a.pipe, from_stage, a.micro_batch)); };
  switch (a.type) {
    case ActionType::recv_activation:
    case ActionType::recv_gradient: recv_[action_key(a.type, a.pipe, a.stage, a.micro_batch)] = boundary_transfer(a); break;
    case ActionType::send_activation:
    case ActionType::send_gradient: boundary_transfer(a); break;
    case ActionType::forward: {
      Ops ready;
      Act start = Act::replicated;
      if (a.stage > 0 && map[a.stage - 1] == w) {
        ready = done(ActionType::forward, a.stage - 1, a.micro_batch);
        start = stage_end_state(a.stage - 1, a.micro_batch);
      } else if (a.stage > 0) {
        ready = recv(ActionType::recv_activation, a.stage - 1);
        start = arrival_state();
      }
      const OpIndex first = static_cast<OpIndex>(p_.ops().size());
      done_[action_key(a.type, a.pipe, a.stage, a.micro_batch)] = forward(a.stage, a.micro_batch, ready, start);
      first_op[action_key(ActionType::forward, a.pipe, a.stage, a.micro_batch)] = first;
      break;
    }
    case ActionType::backward: {
      // Steady-state schedules (PipeDream): a previous period's backward (id < 0) has its
      // forward, and possibly its next stage's backward, in that period.
      const bool carried = s_.steady_state && a.micro_batch < 0;
      Ops ready = carried ? Ops{} : done(ActionType::forward, a.stage, a.micro_batch);
      bool next_here = a.stage < last_stage;
      if (next_here && s_.steady_state)
        next_here = map[a.stage + 1] == w
                        ? done_.count(action_key(ActionType::backward, a.pipe, a.stage + 1, a.micro_batch)) > 0
                        : recv_.count(action_key(ActionType::recv_gradient, a.pipe, a.stage + 1, a.micro_batch)) > 0;
      if (next_here) {
        Ops more = map[a.stage + 1] == w ? done(ActionType::backward, a.stage + 1, a.micro_batch)
                                         : recv(ActionType::recv_gradient, a.stage + 1);
        ready.insert(ready.end(), more.begin(), more.end());
      }
      if (in_.options.recompute == RecomputeKind::full) {
        Act start = Act::replicated;
        if (a.stage > 0) start = map[a.stage - 1] == w ? stage_end_state(a.stage - 1, a.micro_batch) : arrival_state();
        ready = forward(a.stage, a.micro_batch, ready, start, true);
      }
      done_[action_key(a.type, a.pipe, a.stage, a.micro_batch)] =
          backward(a.stage, a.micro_batch, ready, !s_.split_backward);
      break;
    }
    case ActionType::weight:
      done_[action_key(a.type, a.pipe, a.stage, a.micro_batch)] =
          weight(a.stage, a.micro_batch, done(ActionType::backward, a.stage, a.micro_batch));
      break;
    case ActionType::gradient_sync: gradient_sync_stage(a.stage, syncs); break;
  }
  if (is_compute(a.type)) {
    last_done = done(a.type, a.stage, a.micro_batch);
    const bool frees = a.type == (s_.split_backward ? ActionType::weight : ActionType::backward);
    if (frees) {
      last_stage_done_[a.stage] = last_done;
      LiveActivation l;
      // A previous period's micro-batch holds its activations from the program's start.
      const auto f = first_op.find(action_key(ActionType::forward, a.pipe, a.stage, a.micro_batch));
      l.first = f != first_op.end() ? f->second : 0;
      l.last = last_compute_;
      l.bytes = ctx_.stages[a.stage].activation_bytes;
      live.push_back(l);
    }
  }
}

std::vector<RoleBuilder::BlockRef> RoleBuilder::blocks_of(int st) const {
  const StageMemory& m = ctx_.stages[st];
  std::vector<BlockRef> b;
  if (m.embedding) b.push_back({LayerBlock::embedding, -1});
  for (int l = m.first_layer; l < m.first_layer + m.layers; ++l) {
    b.push_back({LayerBlock::attention, l});
    b.push_back({in_.model.is_moe_layer(l) ? LayerBlock::moe : LayerBlock::mlp, l});
  }
  if (m.lm_head) b.push_back({LayerBlock::lm_head, -1});
  return b;
}

// Whether the backward of (stage, micro-batch) reduces gradients layer by layer: with overlap,
// the backward that completes a stage's gradients before a sync point; with ZeRO-2/3 (sharded
// gradients) every backward.
bool RoleBuilder::syncs_layers(int st, int mb) const {
  return in_.options.zero_stage >= 2 || sync_after_.count({st, mb}) > 0;
}

// One op per stage action when nothing communicates between its blocks: no tensor, context or
// expert parallelism, no per-layer parameter gathers, no per-layer gradient reductions.
bool RoleBuilder::merges_blocks() const {
  if (!in_.options.merge_blocks || tp_ > 1 || cp_ > 1 || in_.options.zero_stage >= 2) return false;
  if (in_.model.moe() && ep_ > 1) return false;
  if (in_.options.overlap_grad_reduce && ctx_.in.layout.worker(place_.worker).dp * cp_ > 1) return false;
  if (in_.options.compute_lowering != LoweringMode::standard) return false;
  return true;
}

RoleBuilder::Ops RoleBuilder::merged(const char* name, int st, int mb, std::initializer_list<LayerPass> passes, Ops deps,
                                     bool core_only) {
  auto key = std::tuple{name, st};
  auto it = merged_.find(key);
  if (it == merged_.end()) {
    std::vector<Kernel> ks;
    double secs = 0;
    auto blocks = blocks_of(st);
    const bool backward = *passes.begin() != LayerPass::forward;
    if (backward) std::reverse(blocks.begin(), blocks.end());
    for (const BlockRef& b : blocks)
      for (LayerPass pass : passes) {
        if (core_only && b.block != LayerBlock::attention) continue;
        BlockCost c = in_.costs->block(rank_, b.block, b.layer, pass, core_only ? BlockPart::core : BlockPart::whole);
        if (c.kernels) ks.insert(ks.end(), c.kernels->begin(), c.kernels->end());
        secs += c.seconds;
      }
    it = merged_.emplace(key, BlockCost{std::make_shared<const std::vector<Kernel>>(std::move(ks)), secs}).first;
  }
  return {compute(name, ctx_.stages[st].first_layer, mb, it->second, std::move(deps))};
}

bool RoleBuilder::selective_recompute_core() const {
  return in_.options.recompute == RecomputeKind::selective && !in_.options.flash_attention &&
         in_.options.compute_lowering == LoweringMode::standard;
}

// The residual stream after stage `st`'s forward of `mb` on this worker.
Act RoleBuilder::stage_end_state(int st, int mb) const {
  const auto blocks = blocks_of(st);
  if (blocks.empty()) return Act::replicated;
  const BlockRef& last = blocks.back();
  auto it = states_.find({int(last.block), last.layer, mb});
  return it == states_.end() ? Act::replicated : it->second.out;
}

RoleBuilder::Ops RoleBuilder::forward(int st, int mb, Ops ready, Act start, bool recompute) {
  const BlockCost extra = st == 0 ? in_.costs->before_first_forward(rank_) : BlockCost{};
  if (extra.seconds > 0) ready = {compute(intern("batch.gen"), -1, mb, extra, std::move(ready))};
  Ops out;
  if (blocks_of(st).empty()) return ready;  // a stage without layers relays
  if (merges_blocks()) {
    out = merged(intern(recompute ? "recompute" : "fwd"), st, mb, {LayerPass::forward}, std::move(ready));
  } else {
    const auto blocks = blocks_of(st);
    Act state = start;
    ready = receive_combine(st, mb, std::move(ready), state);
    for (std::size_t i = 0; i < blocks.size(); ++i) {
      const bool last = i + 1 == blocks.size();
      const bool next_moe = !last && blocks[i + 1].block == LayerBlock::moe;
      ready = block_forward(blocks[i], mb, std::move(ready), state, last && st + 1 < s_.stage_count, next_moe);
    }
    out = std::move(ready);
  }
  const BlockCost after = st + 1 == s_.stage_count ? in_.costs->after_last_forward(rank_) : BlockCost{};
  if (after.seconds > 0) out = {compute(intern("fb.sync"), -1, mb, after, std::move(out))};
  return out;
}

RoleBuilder::Ops RoleBuilder::backward(int st, int mb, Ops ready, bool with_weights) {
  const bool selective = in_.options.recompute == RecomputeKind::selective && !in_.options.flash_attention;
  if (blocks_of(st).empty()) return ready;
  if (merges_blocks()) {
    if (selective) ready = merged(intern("recompute.attn"), st, mb, {LayerPass::forward}, std::move(ready), true);
    Ops out;
    if (!in_.costs->splits_backward() || with_weights)
      out = merged(intern("bwd"), st, mb, {LayerPass::backward_input, LayerPass::backward_weight}, std::move(ready));
    else
      out = merged(intern("bwd.ig"), st, mb, {LayerPass::backward_input}, std::move(ready));
    if (with_weights && syncs_layers(st, mb)) sync_stage_layers(st, out.front());
    return out;
  }
  auto blocks = blocks_of(st);
  std::reverse(blocks.begin(), blocks.end());
  Ops after;  // the previous block's weight gradient (compute order only)
  for (const BlockRef& b : blocks) {
    // PP+SP: the stage's first block sends its partial input gradient straight into the
    // boundary's many-to-many (summed where it arrives) instead of reducing it here.
    reduce_into_boundary_ = st > 0 && &b == &blocks.back() && boundary_form() == BoundaryForm::sequence_m2ms;
    ready = block_backward(b, mb, std::move(ready), with_weights, after);
    reduce_into_boundary_ = false;
    if (with_weights && syncs_layers(st, mb) && !after.empty()) gradient_sync_layer(st, b, after.front());
  }
  ready = send_combine_gradient(st, mb, std::move(ready));
  ready.insert(ready.end(), after.begin(), after.end());
  return ready;
}

RoleBuilder::Ops RoleBuilder::weight(int st, int mb, Ops ready) {
  if (blocks_of(st).empty()) return ready;
  if (merges_blocks()) {
    Ops out = merged(intern("bwd.wg"), st, mb, {LayerPass::backward_weight}, std::move(ready));
    if (syncs_layers(st, mb)) sync_stage_layers(st, out.front());
    return out;
  }
  auto blocks = blocks_of(st);
  std::reverse(blocks.begin(), blocks.end());
  for (const BlockRef& b : blocks) {
    ready = block_weight(b, mb, std::move(ready));
    if (syncs_layers(st, mb)) gradient_sync_layer(st, b, ready.front());
  }
  return ready;
}

}  // namespace chimera::step
