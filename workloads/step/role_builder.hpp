#pragma once
// Internal to the training-step lowering: builds the op list of one role (a worker's ranks with
// the same compute costs) for a representative rank. Groups and peers are requested as specs
// relative to the rank, so that every rank of the role can bind its own (training_step.cpp).
//
// The activation between blocks (the residual stream) is either replicated over the tensor-
// parallel group or sharded along the sequence over it (Megatron sequence parallelism, or a
// fused pair that keeps it sharded); a block's output is a partial sum to reduce, and the
// reduction chooses which (all-reduce -> replicated, reduce-scatter -> sharded). The backward
// mirrors the forward: an all-gather's backward is a reduce-scatter, an all-reduce's an
// identity, a local slice's an all-gather.
#include <functional>
#include <map>
#include <set>
#include <unordered_map>
#include <vector>

#include "workloads/step/training_step.hpp"

namespace chimera::step {

enum class GroupKind : std::uint8_t {
  tp,           // the rank's tensor-parallel group
  cp,           // context-parallel group
  ep,           // expert-parallel group
  dense_sync,   // every rank holding model stage `stage` with this tp index (dense gradients)
  expert_sync,  // the same, holding the same experts (expert gradients)
  tp_on,        // the tensor-parallel group of the rank's counterpart on worker `worker`
  ep_on,        // the expert-parallel group of the counterpart on `worker`
};
struct GroupSpec {
  GroupKind kind = GroupKind::tp;
  int arg = -1;  // stage (sync groups) or worker (*_on)
  bool operator<(const GroupSpec& o) const { return kind != o.kind ? kind < o.kind : arg < o.arg; }
};

enum class PeerKind : std::uint8_t {
  on_worker,  // the rank's counterpart on worker `arg`
  cp_next,    // the next rank of the context-parallel ring
  cp_prev,
  fixed,      // rank `arg` (per-rank roles only)
};
struct PeerSpec {
  PeerKind kind = PeerKind::on_worker;
  int arg = -1;
  bool operator<(const PeerSpec& o) const { return kind != o.kind ? kind < o.kind : arg < o.arg; }
};

// What the lowering knows of the whole step before building roles.
struct StepContext {
  const StepInput& in;
  const PipelineSchedule& schedule;
  const std::vector<StageMemory>& stages;
  std::function<GroupPtr(const GroupSpec&, int rank)> group_of;
  std::function<int(const PeerSpec&, int rank)> peer_of;
};

// Where the residual stream stands between blocks.
enum class Act : std::uint8_t { replicated, sharded };

enum class BoundaryForm : std::uint8_t { whole_p2p, shard_p2p, shard_m2ms, sequence_m2ms, reshard };

class RoleBuilder {
 public:
  RoleBuilder(const StepContext& ctx, int rank);
  Program build(std::vector<LiveActivation>& live, OpIndex& optimizer);
  const std::vector<GroupSpec>& group_specs() const { return group_specs_; }
  const std::vector<PeerSpec>& peer_specs() const { return peer_specs_; }

 private:
  using Ops = std::vector<OpIndex>;
  struct BlockRef {
    LayerBlock block;
    int layer;
  };
  struct BlockParams {
    double dense = 0, expert = 0;  // parameters on this rank: replicated over dp x cp / over the expert replicas
  };

  // ---- schedule walk (role_builder.cpp)
  void on_action(const Action& a, std::unordered_map<std::uint64_t, OpIndex>& first_op, std::vector<LiveActivation>& live,
                 Ops& syncs, Ops& last_done);
  Ops forward(int st, int mb, Ops ready, Act start, bool recompute = false);
  Ops backward(int st, int mb, Ops ready, bool with_weights);
  Ops weight(int st, int mb, Ops ready);
  Ops merged(const char* name, int st, int mb, std::initializer_list<LayerPass> passes, Ops deps, bool core_only = false);
  bool merges_blocks() const;
  bool selective_recompute_core() const;
  bool syncs_layers(int st, int mb) const;
  std::vector<BlockRef> blocks_of(int st) const;
  int stage_of_layer(const BlockRef& b) const;
  Act stage_end_state(int st, int mb) const;

  // ---- gradients, ZeRO, optimizer (gradients.cpp)
  BlockParams block_parameters(const BlockRef& b) const;
  OpIndex sync_op(const char* name, CollectiveKind kind, GroupSpec g, double bytes, int layer, Ops deps);
  void reduce_gradients(int st, int layer, BlockParams params, Ops deps, Ops& syncs);
  int p_group_size(GroupSpec g);
  void gradient_sync_stage(int st, Ops& syncs);
  void gradient_sync_layer(int st, const BlockRef& b, OpIndex wg);
  void sync_stage_layers(int st, OpIndex wg);
  Ops gathered_parameters(const BlockRef& b, LayerPass pass, int mb, const Ops& previous_compute);
  std::optional<OpIndex> optimizer_step(Ops deps);

  // ---- blocks (blocks.cpp): one pass of one block; `state` is the residual stream's
  Ops block_forward(const BlockRef& b, int mb, Ops ready, Act& state, bool last_of_stage, bool next_is_moe);
  Ops dense_forward(const BlockRef& b, int mb, Ops ready, Act& state, Act out);
  Ops attention_forward(const BlockRef& b, int mb, Ops ready);
  Ops ring_attention(const BlockRef& b, int mb, OpIndex start, LayerPass pass);
  Ops moe_forward(const BlockRef& b, int mb, Ops ready, Act& state, Act out);
  Ops block_backward(const BlockRef& b, int mb, Ops ready, bool with_weights, Ops& after);
  Ops dense_backward(const BlockRef& b, int mb, Ops ready, bool with_weights, Ops& after);
  Ops attention_backward(const BlockRef& b, int mb, Ops deps, Ops& after);
  Ops moe_backward(const BlockRef& b, int mb, Ops ready, bool with_weights, Ops& after);
  Ops block_weight(const BlockRef& b, int mb, Ops ready);
  Act output_state(const BlockRef& b, bool last_of_stage, bool next_is_moe) const;
  // How the forward left the residual stream around each block (per micro-batch), read by the
  // backward to mirror it.
  struct BlockStates {
    Act in = Act::replicated, out = Act::replicated;
  };
  std::map<std::tuple<int, int, int>, BlockStates> states_;  // (block, layer, micro-batch)

  // ---- boundaries (boundaries.cpp)
  BoundaryForm boundary_form() const;
  Act arrival_state() const;
  Ops boundary_transfer(const Action& a);
  Ops reshard_transfer(const Action& a, const Ops& deps);
  bool combine_fused_at_boundary(const BlockRef& b) const;
  bool stage_ends_in_fused_combine(int st) const;
  Ops receive_combine(int st, int mb, Ops ready, Act& state);
  Ops send_combine_gradient(int st, int mb, Ops ready);
  int pipeline_channel(const Action& a, int kind) const;
  int ring_channel(bool forward) const;
  std::uint16_t boundary_stream(const Action& a, const char* what);

  // ---- ops
  OpIndex compute(const char* name, int layer, int mb, const BlockCost& c, Ops deps);
  OpIndex block_op(const BlockRef& b, LayerPass pass, BlockPart part, const char* suffix, int mb, Ops deps);
  OpIndex collective(const char* name, CollectiveKind kind, Slot group, double bytes, std::uint16_t stream,
                     CollectiveAlgorithm algo, int layer, int mb, Ops deps, Slot targets = kNoSlot, int channel = -1);
  OpIndex tp_collective(CollectiveKind kind, double bytes, int layer, int mb, Ops deps, const char* name = nullptr);
  OpIndex transfer(OpKind kind, const char* name, Slot peer, double bytes, std::uint16_t stream, int channel, int mb,
                   Ops deps);
  Slot group(GroupSpec spec);
  Slot peer(PeerSpec spec);
  std::uint16_t stream(const std::string& name);

  // ---- sizes
  double activation_bytes() const;  // [samples x s/cp x hidden] of this rank
  double dispatch_bytes() const;    // one MoE all-to-all's per-rank send buffer

  const StepContext& ctx_;
  const StepInput& in_;
  const PipelineSchedule& s_;
  const int rank_;
  const RankPlace place_;
  const WorkerLayout& worker_;
  const int tp_;  // tensor-parallel ranks that communicate (1 when the costs already contain it)
  const int cp_, ep_;
  const bool sp_;  // Megatron sequence parallelism over tp
  Program p_;
  std::vector<GroupSpec> group_specs_;
  std::vector<PeerSpec> peer_specs_;
  std::map<GroupSpec, Slot> group_slots_;
  std::map<PeerSpec, Slot> peer_slots_;
  std::map<std::string, std::uint16_t> streams_;
  OpIndex last_compute_ = 0;
  bool computed_ = false;  // some compute op exists (last_compute_ is one)
  Ops previous_compute() const { return computed_ ? Ops{last_compute_} : Ops{}; }
  std::unordered_map<std::uint64_t, Ops> done_;
  std::unordered_map<std::uint64_t, Ops> recv_;
  std::map<std::tuple<const char*, int>, BlockCost> merged_;
  std::map<int, Ops> last_stage_done_;  // per stage: its latest gradient-completing action
  std::set<std::pair<int, int>> sync_after_;       // (stage, micro-batch) backwards that complete gradients
  Ops layer_syncs_;                                // reductions launched per layer, awaited by the optimizer
  std::set<std::pair<int, int>> gathered_once_;    // ZeRO 1/2: (block, layer) parameters gathered
  std::map<std::pair<int, int>, Ops> pending_combine_;  // PP+EP: (stage, mb) -> the experts' outputs
  bool reduce_into_boundary_ = false;                   // PP+SP: the block's input gradient stays partial
};

std::uint64_t action_key(ActionType t, int pipe, int stage, int mb);

}  // namespace chimera::step
