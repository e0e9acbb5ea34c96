// Stage boundaries: what moves between the workers of two consecutive model stages, forward
// (activations) and backward (their gradients).
//
//   form                     when                          moves (per boundary, M = activation)
//   point-to-point, whole    tp = 1, or a replicated end   every rank its M to its counterpart
//   point-to-point, shard    sequence parallel (tp+sp)     every rank its M/tp shard
//   many-to-many, shards     tp+pp                         the TP group's M/tp shards to every rank of
//                                                          the next TP group (M in total); the next
//                                                          stage all-gathers (research TP+PP fused)
//   many-to-many, sequence   pp+sp                         every shard to every rank of the next TP
//                                                          group (tp M in total): the next stage has the
//                                                          whole sequence without its all-gather; the
//                                                          backward sends partial gradients back, summed
//                                                          where they arrive (research PP+SP, reading b)
//   many-to-many, experts    pp+ep (stage ends in MoE)     the experts' outputs straight to the next
//                                                          stage's token owners (ep x buffer in total),
//                                                          which combine them; the residual travels
//                                                          point-to-point beside it (research PP+EP)
//   resharded                planner stages (Metis)        each target's samples, in tp_from pieces
#include <fmt/format.h>

#include "workloads/channels.hpp"
#include "workloads/step/role_builder.hpp"

namespace chimera::step {

BoundaryForm RoleBuilder::boundary_form() const {
  const FusionSet& f = in_.options.fusion;
  if (in_.options.boundary == BoundaryMode::reshard) return BoundaryForm::reshard;
  if (tp_ > 1 && sp_ && f.has(FusionPair::pp_sp)) return BoundaryForm::sequence_m2ms;
  if (tp_ > 1 && !sp_ && f.has(FusionPair::tp_pp)) return BoundaryForm::shard_m2ms;
  if (tp_ > 1 && sp_) return BoundaryForm::shard_p2p;
  return BoundaryForm::whole_p2p;
}

// The residual stream as the next stage's first block finds it.
Act RoleBuilder::arrival_state() const {
  switch (boundary_form()) {
    case BoundaryForm::shard_p2p:
    case BoundaryForm::shard_m2ms: return Act::sharded;
    case BoundaryForm::sequence_m2ms:
    case BoundaryForm::whole_p2p:
    case BoundaryForm::reshard: return Act::replicated;
  }
  return Act::replicated;
}

// PP+EP: the stage's last block is MoE and its combine moves to the next stage's ranks.
bool RoleBuilder::combine_fused_at_boundary(const BlockRef& b) const {
  if (b.block != LayerBlock::moe || !in_.options.fusion.has(FusionPair::pp_ep) || ep_ == 1) return false;
  const int st = stage_of_layer(b);
  const StageMemory& m = ctx_.stages[st];
  return st + 1 < s_.stage_count && b.layer == m.first_layer + m.layers - 1;
}

bool RoleBuilder::stage_ends_in_fused_combine(int st) const {
  const StageMemory& m = ctx_.stages[st];
  if (m.layers == 0 || st + 1 >= s_.stage_count) return false;
  const int last = m.first_layer + m.layers - 1;
  return combine_fused_at_boundary({in_.model.is_moe_layer(last) ? LayerBlock::moe : LayerBlock::mlp, last});
}

// Point-to-point pairs (workloads/channels.hpp): (pipe, producing stage) for each of the
// boundary's conversations (kind 0 the transfer, 1 the many-to-many, 2 the experts' one), then
// the context-parallel ring.
int RoleBuilder::pipeline_channel(const Action& a, int kind) const {
  const bool act = a.type == ActionType::send_activation || a.type == ActionType::recv_activation;
  const int pairs = static_cast<int>(s_.pipes.size()) * s_.stage_count;
  return channels::point_to_point(kind * pairs + a.pipe * s_.stage_count + a.stage, !act);
}

int RoleBuilder::ring_channel(bool forward) const {
  const int pairs = static_cast<int>(s_.pipes.size()) * s_.stage_count;
  return channels::point_to_point(3 * pairs, !forward);
}

std::uint16_t RoleBuilder::boundary_stream(const Action& a, const char* what) {
  const bool send = a.type == ActionType::send_activation || a.type == ActionType::send_gradient;
  const bool act = a.type == ActionType::send_activation || a.type == ActionType::recv_activation;
  const char tag = s_.pipes[a.pipe].tag;
  return stream(fmt::format("pp.{}{}.{}.{}{}", send ? "send" : "recv", what, act ? "act" : "grad",
                            tag ? std::string(1, tag) : std::string("s"), a.stage));
}

// Planner stages of different shapes: every piece of every target's samples, each on a stream
// of its own per peer so that the pieces travel at once; receives posted ahead.
RoleBuilder::Ops RoleBuilder::reshard_transfer(const Action& a, const Ops& deps) {
  const bool send = a.type == ActionType::send_activation || a.type == ActionType::send_gradient;
  const bool act = a.type == ActionType::send_activation || a.type == ActionType::recv_activation;
  const int from = act ? a.stage : a.stage, to = act ? a.stage + 1 : a.stage - 1;  // producer -> consumer stage
  const int w_from = s_.pipes[a.pipe].worker_of_stage[from], w_to = s_.pipes[a.pipe].worker_of_stage[to];
  const StepLayout& layout = ctx_.in.layout;
  const ModelSpec& m = in_.model;
  const double sample_bytes = double(m.sequence) * m.hidden * m.bytes_per_element;
  static const char* const names[2][2] = {{intern("pp.recv.act"), intern("pp.recv.grad")},
                                          {intern("pp.send.act"), intern("pp.send.grad")}};
  Ops out;
  for (const ReshardPiece& t : reshard_pieces(layout.worker(w_from), layout.worker(w_to))) {
    if ((send ? t.src : t.dst) != rank_) continue;
    const int other = send ? t.dst : t.src;
    const std::uint16_t st = stream(fmt::format("pp.{}.r{}", other < worker_.first_rank ? "prev" : "next", other));
    out.push_back(transfer(send ? OpKind::send : OpKind::recv, names[send][act ? 0 : 1], peer({PeerKind::fixed, other}),
                           t.samples * sample_bytes, st, pipeline_channel(a, 0), a.micro_batch, send ? deps : Ops{}));
  }
  return out;
}

RoleBuilder::Ops RoleBuilder::boundary_transfer(const Action& a) {
  const bool send = a.type == ActionType::send_activation || a.type == ActionType::send_gradient;
  const bool act = a.type == ActionType::send_activation || a.type == ActionType::recv_activation;
  Ops deps;
  if (send)
    deps = done_.at(action_key(act ? ActionType::forward : ActionType::backward, a.pipe, a.stage, a.micro_batch));
  const BoundaryForm form = boundary_form();
  // The stage that produced the data (a.stage) and where it goes.
  const int producer_end_stage = act ? a.stage : a.stage - 1;  // the boundary is after this stage
  const bool experts = stage_ends_in_fused_combine(producer_end_stage);
  const double M = activation_bytes();
  OpIndex main = 0;
  if (form == BoundaryForm::reshard) return reshard_transfer(a, deps);
  if (form == BoundaryForm::shard_m2ms || form == BoundaryForm::sequence_m2ms) {
    // Sources: the producing worker's tensor-parallel group; targets: the consumer's.
    const bool here_sources = send;
    const Slot mine = group({GroupKind::tp}), theirs = group({GroupKind::tp_on, a.peer});
    double bytes = form == BoundaryForm::shard_m2ms ? M : tp_ * M;
    static const char* const names[2] = {intern("pp.m2ms.act"), intern("pp.m2ms.grad")};
    main = collective(names[act ? 0 : 1], CollectiveKind::m2ms, here_sources ? mine : theirs, bytes,
                      boundary_stream(a, ".m2ms"), CollectiveAlgorithm::direct, -1, a.micro_batch, deps,
                      here_sources ? theirs : mine, pipeline_channel(a, 1));
  } else {
    static const char* const names[2][2] = {{intern("pp.recv.act"), intern("pp.recv.grad")},
                                            {intern("pp.send.act"), intern("pp.send.grad")}};
    const double bytes = form == BoundaryForm::shard_p2p ? M / tp_ : M;
    main = transfer(send ? OpKind::send : OpKind::recv, names[send][act ? 0 : 1], peer({PeerKind::on_worker, a.peer}),
                    bytes, boundary_stream(a, ""), pipeline_channel(a, 0), a.micro_batch, deps);
  }
  if (!experts) return {main};
  // PP+EP: the experts' outputs (or their gradients) between the expert owners of the producer
  // and the token owners of the consumer, beside the residual's transfer above.
  const Slot mine = group({GroupKind::ep}), theirs = group({GroupKind::ep_on, a.peer});
  static const char* const names[2] = {intern("pp+ep.m2ms.act"), intern("pp+ep.m2ms.grad")};
  Ops m2ms_deps;
  if (send) m2ms_deps = act ? pending_combine_.at({a.stage, a.micro_batch}) : deps;
  const OpIndex m2ms = collective(names[act ? 0 : 1], CollectiveKind::m2ms, send ? mine : theirs,
                                  ep_ * dispatch_bytes(), boundary_stream(a, ".experts"), CollectiveAlgorithm::direct, -1,
                                  a.micro_batch, std::move(m2ms_deps), send ? theirs : mine, pipeline_channel(a, 2));
  return send ? Ops{main} : Ops{main, m2ms};
}

// The first thing a stage does after a PP+EP boundary: combine the experts' outputs that arrived
// with the residual (the producer's MoE post part, run here).
RoleBuilder::Ops RoleBuilder::receive_combine(int st, int mb, Ops ready, Act& state) {
  if (st == 0 || !stage_ends_in_fused_combine(st - 1)) return ready;
  const int layer = ctx_.stages[st - 1].first_layer + ctx_.stages[st - 1].layers - 1;
  const BlockRef moe{LayerBlock::moe, layer};
  state = tp_ > 1 ? Act::sharded : Act::replicated;
  return {block_op(moe, LayerPass::forward, BlockPart::post, ".combine", mb, std::move(ready))};
}

// The backward's last step at a PP+EP boundary: the combine's gradient, computed here, goes to
// the previous stage's experts (with the residual's gradient beside it).
RoleBuilder::Ops RoleBuilder::send_combine_gradient(int st, int mb, Ops ready) {
  if (st == 0 || !stage_ends_in_fused_combine(st - 1)) return ready;
  const int layer = ctx_.stages[st - 1].first_layer + ctx_.stages[st - 1].layers - 1;
  return {block_op({LayerBlock::moe, layer}, LayerPass::backward_input, BlockPart::post, ".combine", mb,
                   std::move(ready))};
}

}  // namespace chimera::step
