#include "workloads/pipeline_lowering.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <stdexcept>
#include <unordered_map>

#include "workloads/megatron_lowering.hpp"
#include "workloads/schedules/validate.hpp"
#include "workloads/transformer_kernels.hpp"

namespace chimera {
namespace {

constexpr int kBlocks = 4;  // attention, mlp, embedding, lm_head
constexpr LayerBlock kBlockOf[kBlocks] = {LayerBlock::attention, LayerBlock::mlp, LayerBlock::embedding,
                                          LayerBlock::lm_head};
enum Block { kAttention = 0, kMlp = 1, kEmbedding = 2, kLmHead = 3 };

// Kernels and seconds of each block and pass on one rank's hardware.
struct BlockCosts {
  KernelList kernels[kBlocks][3];
  double seconds[kBlocks][3] = {};
};

BlockCosts cost_blocks(const ModelSpec& m, int tp, bool sequence_parallel, const ComputeCostModel& model) {
  BlockCosts c;
  const LayerSharding shard{tp, 1, LoweringMode::standard, sequence_parallel};
  for (int b = 0; b < kBlocks; ++b)
    for (int p = 0; p < 3; ++p) {
      auto ks = transformer_block_kernels(m, shard, kBlockOf[b], static_cast<LayerPass>(p));
      c.seconds[b][p] = cost_kernels(ks, model, m.bytes_per_element);
      c.kernels[b][p] = std::make_shared<const std::vector<Kernel>>(std::move(ks));
    }
  return c;
}

std::uint64_t action_key(ActionType t, int pipe, int stage, int mb) {
  return (std::uint64_t(t) << 60) | (std::uint64_t(pipe & 0xfff) << 48) | (std::uint64_t(stage & 0xffff) << 32) |
         std::uint64_t(std::uint32_t(mb));
}

// Builds one rank's program.
class RankLowering {
 public:
  RankLowering(const PipelineLoweringInput& in, const PipelineLowering& out, const BlockCosts& costs, int rank)
      : in_(in), out_(out), s_(out.schedule), c_(costs), tp_(in.plan.tp), sp_(in.plan.sequence_parallel && tp_ > 1),
        rank_(rank) {
    coords_ = coordinates_of(in.plan, rank);
    p_.rank = rank;
  }

  Program build(std::vector<LiveActivation>& live, OpIndex& optimizer,
                const std::map<std::pair<int, int>, GroupPtr>& stage_groups) {
    const int w = coords_.pp_index;
    std::unordered_map<std::uint64_t, OpIndex> first_op;   // F action -> its first compute op
    std::vector<OpIndex> syncs;
    std::vector<OpIndex> last_done;
    for (const Action& a : s_.actions[w]) {
      const auto& map = s_.pipes[a.pipe].worker_of_stage;
      const int last_stage = s_.stage_count - 1;
      switch (a.type) {
        case ActionType::recv_activation:
        case ActionType::recv_gradient:
          recv_[action_key(a.type, a.pipe, a.stage, a.micro_batch)] = transfer(a);
          break;
        case ActionType::send_activation:
        case ActionType::send_gradient: transfer(a); break;
        case ActionType::forward: {
          std::vector<OpIndex> ready;
          if (a.stage > 0)
            ready = map[a.stage - 1] == w ? done(ActionType::forward, a.pipe, a.stage - 1, a.micro_batch)
                                          : std::vector<OpIndex>{recv(ActionType::recv_activation, a, a.stage - 1)};
          const OpIndex first = static_cast<OpIndex>(p_.ops().size());
          set_done(a, forward(a.stage, a.micro_batch, ready));
          first_op[action_key(ActionType::forward, a.pipe, a.stage, a.micro_batch)] = first;
          break;
        }
        case ActionType::backward: {
          // Steady-state schedules (PipeDream): a previous period's backward (id < 0) has its
          // forward, and possibly its next stage's backward, in that period.
          const bool carried = s_.steady_state && a.micro_batch < 0;
          std::vector<OpIndex> ready = carried ? std::vector<OpIndex>{} : done(ActionType::forward, a.pipe, a.stage, a.micro_batch);
          bool next_here = a.stage < last_stage;
          if (next_here && s_.steady_state)
            next_here = map[a.stage + 1] == w ? done_.count(action_key(ActionType::backward, a.pipe, a.stage + 1, a.micro_batch)) > 0
                                              : recv_.count(action_key(ActionType::recv_gradient, a.pipe, a.stage + 1, a.micro_batch)) > 0;
          if (next_here) {
            auto more = map[a.stage + 1] == w ? done(ActionType::backward, a.pipe, a.stage + 1, a.micro_batch)
                                              : std::vector<OpIndex>{recv(ActionType::recv_gradient, a, a.stage + 1)};
            ready.insert(ready.end(), more.begin(), more.end());
          }
          if (in_.pipeline.memory.recompute) ready = forward(a.stage, a.micro_batch, ready, true);
          set_done(a, backward(a.stage, a.micro_batch, ready, !s_.split_backward));
          break;
        }
        case ActionType::weight:
          set_done(a, weight(a.stage, a.micro_batch, done(ActionType::backward, a.pipe, a.stage, a.micro_batch)));
          break;
        case ActionType::gradient_sync: {
          auto it = stage_groups.find({a.stage, coords_.tp_index});
          if (it->second->size() > 1) syncs.push_back(gradient_sync(a.stage, it->second));
          break;
        }
      }
      if (is_compute(a.type)) {
        last_done = done(a.type, a.pipe, a.stage, a.micro_batch);
        const bool frees = a.type == (s_.split_backward ? ActionType::weight : ActionType::backward);
        if (frees) {
          last_stage_done_[a.stage] = last_done;
          LiveActivation l;
          // A previous period's micro-batch holds its activations from the program's start.
          const auto f = first_op.find(action_key(ActionType::forward, a.pipe, a.stage, a.micro_batch));
          l.first = f != first_op.end() ? f->second : 0;
          l.last = last_compute_;
          l.bytes = out_.stages[a.stage].activation_bytes;
          live.push_back(l);
        }
      }
    }
    std::vector<OpIndex> deps = syncs;
    deps.insert(deps.end(), last_done.begin(), last_done.end());
    optimizer = optimizer_step(deps);
    return std::move(p_);
  }

 private:
  const StageMemory& stage(int s) const { return out_.stages[s]; }

  int peer_rank(int worker) const { return rank_of(in_.plan, {coords_.tp_index, coords_.dp_index, worker}); }

  // A channel per (pipe, producing stage, activation/gradient); 16 and up, clear of the
  // stream-numbered channels of collectives.
  int channel_of(const Action& a) const {
    const bool act = a.type == ActionType::send_activation || a.type == ActionType::recv_activation;
    return 16 + (a.pipe * s_.stage_count + a.stage) * 2 + (act ? 0 : 1);
  }

  std::uint16_t stream_for(const Action& a) {
    const bool send = a.type == ActionType::send_activation || a.type == ActionType::send_gradient;
    const bool act = a.type == ActionType::send_activation || a.type == ActionType::recv_activation;
    auto key = std::pair{channel_of(a), send};
    auto it = streams_.find(key);
    if (it != streams_.end()) return it->second;
    const char tag = s_.pipes[a.pipe].tag;
    return streams_[key] = p_.add_stream(fmt::format("pp.{}.{}.{}{}", send ? "send" : "recv", act ? "act" : "grad",
                                                     tag ? std::string(1, tag) : std::string("s"), a.stage));
  }

  OpIndex transfer(const Action& a) {
    const bool send = a.type == ActionType::send_activation || a.type == ActionType::send_gradient;
    const bool act = a.type == ActionType::send_activation || a.type == ActionType::recv_activation;
    Op op;
    op.kind = send ? OpKind::send : OpKind::recv;
    op.stream = stream_for(a);
    op.channel = channel_of(a);
    op.name = intern(fmt::format("pp.{}.{}", send ? "send" : "recv", act ? "act" : "grad"));
    op.micro_batch = a.micro_batch;
    op.peer = p_.bind_peer(peer_rank(a.peer));
    op.bytes = activation_bytes(in_.model) / (sp_ ? tp_ : 1);  // sequence parallel: this rank's shard
    if (send) op.deps = done(act ? ActionType::forward : ActionType::backward, a.pipe, a.stage, a.micro_batch);
    return p_.add(std::move(op));
  }

  OpIndex recv(ActionType t, const Action& consumer, int from_stage) const {
    return recv_.at(action_key(t, consumer.pipe, from_stage, consumer.micro_batch));
  }

  std::vector<OpIndex> done(ActionType t, int pipe, int stage, int mb) const {
    return done_.at(action_key(t, pipe, stage, mb));
  }
  void set_done(const Action& a, std::vector<OpIndex> d) { done_[action_key(a.type, a.pipe, a.stage, a.micro_batch)] = std::move(d); }

  OpIndex compute(const char* name, int layer, int mb, KernelList ks, double seconds, std::vector<OpIndex> deps) {
    Op op = compute_op(name, layer, mb, seconds, std::move(deps));
    op.kernels = std::move(ks);
    return last_compute_ = p_.add(std::move(op));
  }

  OpIndex tp_collective(CollectiveKind kind, int layer, int mb, std::vector<OpIndex> deps) {
    static const char* const names[] = {intern("tp.allreduce"), intern("tp.reducescatter"), intern("tp.allgather")};
    const char* name = kind == CollectiveKind::all_reduce       ? names[0]
                       : kind == CollectiveKind::reduce_scatter ? names[1]
                                                                : names[2];
    Op op = collective_op(name, kind, p_.bind(tp_group()), activation_bytes(in_.model), kCollectiveStream, layer, mb, std::move(deps));
    op.algorithm = in_.tp_algorithm;
    return p_.add(std::move(op));
  }

  // A block's tensor-parallel reduction: all-reduce, or (sequence parallel) reduce-scatter.
  OpIndex tp_reduce(int layer, int mb, OpIndex after) {
    return tp_collective(sp_ ? CollectiveKind::reduce_scatter : CollectiveKind::all_reduce, layer, mb, {after});
  }

  // What a block's compute waits for: its input `data` (all-gathered first when it is this
  // rank's sequence shard) and `after` (compute order only).
  std::vector<OpIndex> block_input(int layer, int mb, std::vector<OpIndex> data, bool sharded,
                                   const std::vector<OpIndex>& after = {}) {
    if (sp_ && sharded) data = {tp_collective(CollectiveKind::all_gather, layer, mb, std::move(data))};
    data.insert(data.end(), after.begin(), after.end());
    return data;
  }

  GroupPtr tp_group() {
    if (!tp_group_) tp_group_ = make_group(tensor_parallel_group(in_.plan, rank_));
    return tp_group_;
  }

  // Blocks of a stage in forward order: (block, layer).
  std::vector<std::pair<int, int>> blocks_of(int st) const {
    std::vector<std::pair<int, int>> b;
    if (stage(st).embedding) b.emplace_back(kEmbedding, -1);
    for (int l = stage(st).first_layer; l < stage(st).first_layer + stage(st).layers; ++l) {
      b.emplace_back(kAttention, l);
      b.emplace_back(kMlp, l);
    }
    if (stage(st).lm_head) b.emplace_back(kLmHead, -1);
    return b;
  }

  // The stage's kernels of the given passes, in order, as one op (tp = 1).
  OpIndex merged(const char* name, int st, int mb, const std::vector<std::pair<int, int>>& blocks,
                 std::initializer_list<int> passes, std::vector<OpIndex> deps) {
    auto key = std::tuple{name, st};
    auto it = merged_.find(key);
    if (it == merged_.end()) {
      std::vector<Kernel> ks;
      double secs = 0;
      for (const auto& [b, l] : blocks)
        for (int pass : passes) {
          ks.insert(ks.end(), c_.kernels[b][pass]->begin(), c_.kernels[b][pass]->end());
          secs += c_.seconds[b][pass];
        }
      it = merged_.emplace(key, std::pair{std::make_shared<const std::vector<Kernel>>(std::move(ks)), secs}).first;
    }
    return compute(name, stage(st).first_layer, mb, it->second.first, it->second.second, std::move(deps));
  }

  static const char* block_op_name(int b, int pass) {
    static const char* names[kBlocks][3] = {
        {"attn.fwd", "attn.bwd.ig", "attn.bwd.wg"},
        {"mlp.fwd", "mlp.bwd.ig", "mlp.bwd.wg"},
        {"embedding.fwd", "embedding.bwd.ig", "embedding.bwd.wg"},
        {"lm_head.fwd", "lm_head.bwd.ig", "lm_head.bwd.wg"}};
    return intern(names[b][pass]);
  }

  std::vector<OpIndex> forward(int st, int mb, std::vector<OpIndex> ready, bool recompute = false) {
    const auto blocks = blocks_of(st);
    if (tp_ == 1) return {merged(intern(recompute ? "recompute" : "fwd"), st, mb, blocks, {0}, std::move(ready))};
    // Sequence parallel: a later stage receives (or keeps, when it holds the previous stage
    // too) the previous stage's output as this rank's shard.
    bool sharded = st > 0;
    for (const auto& [b, l] : blocks) {
      OpIndex f = compute(block_op_name(b, 0), l, mb, c_.kernels[b][0], c_.seconds[b][0],
                          block_input(l, mb, std::move(ready), sharded && b != kEmbedding));
      ready = b == kLmHead ? std::vector<OpIndex>{f} : std::vector<OpIndex>{tp_reduce(l, mb, f)};
      sharded = b != kLmHead;
    }
    return ready;
  }

  // Input gradients, with the weight gradients right after each block unless the schedule
  // defers them to W (zero-bubble).
  std::vector<OpIndex> backward(int st, int mb, std::vector<OpIndex> ready, bool with_weights) {
    auto blocks = blocks_of(st);
    std::reverse(blocks.begin(), blocks.end());
    if (tp_ == 1) {
      if (with_weights) return {merged(intern("bwd"), st, mb, blocks, {1, 2}, std::move(ready))};
      return {merged(intern("bwd.ig"), st, mb, blocks, {1}, std::move(ready))};
    }
    // Sequence parallel: the output gradient arrives from the next stage as this rank's shard;
    // the loss gradient at the LM head is whole.
    bool sharded = st + 1 < s_.stage_count;
    std::vector<OpIndex> after;  // the previous block's weight gradient (compute order only)
    for (const auto& [b, l] : blocks) {
      OpIndex ig = compute(block_op_name(b, 1), l, mb, c_.kernels[b][1], c_.seconds[b][1],
                           block_input(l, mb, std::move(ready), sharded, after));
      ready.clear();
      if (b != kEmbedding) ready.push_back(tp_reduce(l, mb, ig));
      else ready.push_back(ig);
      sharded = b != kEmbedding;
      after.clear();
      if (with_weights) after.push_back(compute(block_op_name(b, 2), l, mb, c_.kernels[b][2], c_.seconds[b][2], {ig}));
    }
    ready.insert(ready.end(), after.begin(), after.end());
    return ready;
  }

  std::vector<OpIndex> weight(int st, int mb, std::vector<OpIndex> ready) {
    auto blocks = blocks_of(st);
    std::reverse(blocks.begin(), blocks.end());
    if (tp_ == 1) return {merged(intern("bwd.wg"), st, mb, blocks, {2}, std::move(ready))};
    for (const auto& [b, l] : blocks)
      ready = {compute(block_op_name(b, 2), l, mb, c_.kernels[b][2], c_.seconds[b][2], ready)};
    return ready;
  }

  OpIndex gradient_sync(int st, GroupPtr group) {
    static const char* const name = intern("dp.allreduce");
    // The stage's last backward on this worker: the compute stream runs the earlier ones
    // before it, and its tensor-parallel all-reduces run in order on their stream.
    Op op = collective_op(name, CollectiveKind::all_reduce, p_.bind(std::move(group)), stage(st).state.gradients,
                          kDataParallelStream, stage(st).first_layer, -1,
                          last_stage_done_.count(st) ? last_stage_done_.at(st) : std::vector<OpIndex>{});
    op.algorithm = in_.dp_algorithm;
    return p_.add(std::move(op));
  }

  OpIndex optimizer_step(std::vector<OpIndex> deps) {
    double params = 0;
    for (int st : s_.stages_of(coords_.pp_index)) params += stage(st).parameters;
    // As megatron_lowering.cpp: mixed-precision Adam reads and writes about 16 bytes of state
    // per parameter and writes the model-precision weights back.
    Kernel adam;
    adam.kind = Kernel::Kind::elementwise;
    adam.name = "adam";
    adam.bytes = params * (16.0 * 2 + in_.model.bytes_per_element);
    adam.seconds = in_.cost_model_of(rank_).elementwise_seconds(adam.bytes);
    return compute(intern("optimizer"), -1, -1, std::make_shared<const std::vector<Kernel>>(std::vector<Kernel>{adam}),
                   adam.seconds, std::move(deps));
  }

  const PipelineLoweringInput& in_;
  const PipelineLowering& out_;
  const PipelineSchedule& s_;
  const BlockCosts& c_;
  const int tp_;
  const bool sp_;  // Megatron sequence parallelism (tp > 1)
  const int rank_;
  RankCoordinates coords_{};
  Program p_;
  GroupPtr tp_group_;
  OpIndex last_compute_ = 0;
  std::unordered_map<std::uint64_t, std::vector<OpIndex>> done_;
  std::unordered_map<std::uint64_t, OpIndex> recv_;
  std::map<std::pair<int, bool>, std::uint16_t> streams_;
  std::map<std::tuple<const char*, int>, std::pair<KernelList, double>> merged_;
  std::map<int, std::vector<OpIndex>> last_stage_done_;  // per stage: its latest gradient-completing action
};

}  // namespace

ScheduleOptions schedule_options_for(const ParallelPlan& plan, const ScheduleOptions& chosen) {
  ScheduleOptions o = chosen;
  o.stages = plan.pp;
  o.micro_batches = plan.micro_batches;
  return o;
}

LayerCosts layer_costs(const ModelSpec& m, int tp, const ComputeCostModel& model, bool recompute) {
  BlockCosts c = cost_blocks(m, tp, false, model);
  LayerCosts l;
  auto sum = [&](int b) { return c.seconds[b][0] + c.seconds[b][1] + c.seconds[b][2]; };
  l.layer_forward = c.seconds[kAttention][0] + c.seconds[kMlp][0];
  l.layer = sum(kAttention) + sum(kMlp) + (recompute ? l.layer_forward : 0.0);
  l.embedding_forward = c.seconds[kEmbedding][0];
  l.embedding = sum(kEmbedding) + (recompute ? l.embedding_forward : 0.0);
  l.lm_head_forward = c.seconds[kLmHead][0];
  l.lm_head = sum(kLmHead) + (recompute ? l.lm_head_forward : 0.0);
  l.layer_weight = c.seconds[kAttention][2] + c.seconds[kMlp][2];
  l.embedding_weight = c.seconds[kEmbedding][2];
  l.lm_head_weight = c.seconds[kLmHead][2];
  return l;
}

std::vector<int> stage_replica_group(const ParallelPlan& plan, const PipelineSchedule& s, int stage, int tp_index) {
  std::vector<int> ranks;
  for (int w : s.workers_of_stage(stage))
    for (int d = 0; d < plan.dp; ++d) ranks.push_back(rank_of(plan, {tp_index, d, w}));
  std::sort(ranks.begin(), ranks.end());
  return ranks;
}

PipelineLowering lower_pipeline(const PipelineLoweringInput& in) {
  const ParallelPlan& plan = in.plan;
  PipelineLowering out;
  out.schedule = make_schedule(schedule_options_for(plan, in.pipeline.schedule));
  validate_schedule(out.schedule);
  if (in.model.layers < out.schedule.stage_count)
    throw std::invalid_argument(fmt::format("{} layers cannot fill {} pipeline stages", in.model.layers,
                                            out.schedule.stage_count));
  const LayerCosts lc = layer_costs(in.model, plan.tp, in.cost_model_of(0), in.pipeline.memory.recompute);
  out.partition = partition_layers(std::vector<double>(in.model.layers, lc.layer), out.schedule.stage_count,
                                   lc.embedding, lc.lm_head);
  out.stage_seconds = stage_costs(out.partition, std::vector<double>(in.model.layers, lc.layer), lc.embedding, lc.lm_head);
  MemoryOptions memory = in.pipeline.memory;
  memory.sequence_parallel = plan.sequence_parallel && plan.tp > 1;
  out.stages = stage_memory(in.model, out.partition, plan.tp, memory);

  std::map<std::pair<int, int>, GroupPtr> stage_groups;  // (stage, tp index)
  for (int st = 0; st < out.schedule.stage_count; ++st)
    for (int t = 0; t < plan.tp; ++t) stage_groups[{st, t}] = make_group(stage_replica_group(plan, out.schedule, st, t));

  std::map<const ComputeCostModel*, BlockCosts> costs;  // identical hardware is costed once
  const int world = plan.world_size();
  out.programs.resize(world);
  out.live_activations.resize(world);
  out.optimizer_op.resize(world);
  out.rank_memory.resize(world);
  for (int rank = 0; rank < world; ++rank) {
    const ComputeCostModel& model = in.cost_model_of(rank);
    auto it = costs.find(&model);
    if (it == costs.end()) it = costs.emplace(&model, cost_blocks(in.model, plan.tp, plan.sequence_parallel && plan.tp > 1, model)).first;
    RankLowering rl(in, out, it->second, rank);
    out.programs[rank] = rl.build(out.live_activations[rank], out.optimizer_op[rank], stage_groups);
    WorkerMemory& wm = out.rank_memory[rank];
    wm.stages = out.schedule.stages_of(coordinates_of(plan, rank).pp_index);
    const int versions = weight_versions(out.schedule, coordinates_of(plan, rank).pp_index);
    for (int st : wm.stages) {
      wm.state.weights += versions * out.stages[st].state.weights;
      wm.state.gradients += out.stages[st].state.gradients;
      wm.state.optimizer += out.stages[st].state.optimizer;
      wm.working = std::max(wm.working, out.stages[st].working_bytes);
    }
  }
  return out;
}

}  // namespace chimera
