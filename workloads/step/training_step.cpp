#include "workloads/step/training_step.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>

#include "workloads/schedules/validate.hpp"
#include "workloads/step/role_builder.hpp"

namespace chimera {

// ---------------------------------------------------------------- small types

std::vector<FusionPair> FusionSet::pairs() const {
  std::vector<FusionPair> out;
  for (FusionPair p : {FusionPair::tp_pp, FusionPair::tp_sp, FusionPair::tp_ep, FusionPair::pp_ep, FusionPair::pp_sp,
                       FusionPair::sp_ep})
    if (has(p)) out.push_back(p);
  return out;
}

std::string FusionSet::describe() const {
  std::string s;
  for (FusionPair p : pairs()) s += (s.empty() ? "" : ", ") + std::string(to_string(p));
  return s.empty() ? "none" : s;
}

const char* to_string(RecomputeKind k) {
  switch (k) {
    case RecomputeKind::none: return "none";
    case RecomputeKind::selective: return "selective";
    case RecomputeKind::full: return "full";
  }
  return "?";
}

bool parse_recompute_kind(const std::string& text, RecomputeKind& out) {
  if (text == "none") return out = RecomputeKind::none, true;
  if (text == "selective") return out = RecomputeKind::selective, true;
  if (text == "full") return out = RecomputeKind::full, true;
  return false;
}

// ---------------------------------------------------------------- kernel costs

struct KernelCosts::Impl {
  ModelSpec model;
  LayerSharding sharding;
  std::function<const ComputeCostModel&(int)> model_of;
  std::function<int(int)> samples_of;
  std::set<std::pair<const ComputeCostModel*, int>> identities;
  std::map<std::tuple<const ComputeCostModel*, int, int, int, int>, BlockCost> blocks;
};

KernelCosts::KernelCosts(const ModelSpec& model, LayerSharding sharding,
                         std::function<const ComputeCostModel&(int rank)> model_of, std::function<int(int rank)> samples_of)
    : impl_(std::make_shared<Impl>()) {
  impl_->model = model;
  impl_->sharding = sharding;
  impl_->model_of = std::move(model_of);
  impl_->samples_of = std::move(samples_of);
}

BlockCost KernelCosts::block(int rank, LayerBlock block, int, LayerPass pass, BlockPart part) const {
  const ComputeCostModel* cm = &impl_->model_of(rank);
  const int samples = impl_->samples_of(rank);
  auto key = std::tuple{cm, samples, int(block), int(pass), int(part)};
  auto it = impl_->blocks.find(key);
  if (it != impl_->blocks.end()) return it->second;
  LayerSharding shard = impl_->sharding;
  shard.samples = samples;
  auto ks = transformer_block_kernels(impl_->model, shard, block, pass, part);
  BlockCost c;
  c.seconds = cost_kernels(ks, *cm, impl_->model.bytes_per_element, device_share(shard));
  c.kernels = std::make_shared<const std::vector<Kernel>>(std::move(ks));
  return impl_->blocks.emplace(key, c).first->second;
}

// Mixed-precision Adam touches about 16 bytes of state per parameter (fp32 master weights, two
// moments, the gradient) read and written, and writes the model-precision weights back.
BlockCost KernelCosts::optimizer(int rank, double parameters, double) const {
  Kernel adam;
  adam.kind = Kernel::Kind::elementwise;
  adam.name = "adam";
  adam.bytes = parameters * (16.0 * 2 + impl_->model.bytes_per_element);
  adam.seconds = impl_->model_of(rank).elementwise_seconds(adam.bytes);
  return {std::make_shared<const std::vector<Kernel>>(std::vector<Kernel>{adam}), adam.seconds};
}

const void* KernelCosts::identity(int rank) const {
  return &*impl_->identities.insert({&impl_->model_of(rank), impl_->samples_of(rank)}).first;
}

// ---------------------------------------------------------------- helpers

double activation_bytes(const ModelSpec& m) {
  return double(m.micro_batch) * m.sequence * m.hidden * m.bytes_per_element;
}

ScheduleOptions schedule_options_for(const ParallelPlan& plan, const ScheduleOptions& chosen) {
  ScheduleOptions o = chosen;
  o.stages = plan.pp;
  o.micro_batches = plan.micro_batches;
  return o;
}

namespace {

template <typename GroupOf>
std::vector<int> over_stage_workers(const StepLayout& layout, const PipelineSchedule& s, int stage, int rank,
                                    GroupOf group_of) {
  std::vector<int> ranks;
  if (!layout.uniform()) return group_of(rank);  // the planner's stages: one worker each
  for (int w : s.workers_of_stage(stage)) {
    auto g = group_of(layout.peer_on(rank, w));
    ranks.insert(ranks.end(), g.begin(), g.end());
  }
  std::sort(ranks.begin(), ranks.end());
  return ranks;
}

}  // namespace

std::vector<int> stage_replica_group(const StepLayout& layout, const PipelineSchedule& s, int stage, int rank) {
  return over_stage_workers(layout, s, stage, rank, [&](int r) { return layout.dense_replica_group(r); });
}

LayerCosts layer_costs(const ModelSpec& m, int tp, const ComputeCostModel& model, bool recompute) {
  auto seconds = [&](LayerBlock b, LayerPass p) {
    auto ks = transformer_block_kernels(m, tp, b, p);
    return cost_kernels(ks, model, m.bytes_per_element);
  };
  auto sum = [&](LayerBlock b) {
    return seconds(b, LayerPass::forward) + seconds(b, LayerPass::backward_input) + seconds(b, LayerPass::backward_weight);
  };
  LayerCosts l;
  l.layer_forward = seconds(LayerBlock::attention, LayerPass::forward) + seconds(LayerBlock::mlp, LayerPass::forward);
  l.layer = sum(LayerBlock::attention) + sum(LayerBlock::mlp) + (recompute ? l.layer_forward : 0.0);
  l.embedding_forward = seconds(LayerBlock::embedding, LayerPass::forward);
  l.embedding = sum(LayerBlock::embedding) + (recompute ? l.embedding_forward : 0.0);
  l.lm_head_forward = seconds(LayerBlock::lm_head, LayerPass::forward);
  l.lm_head = sum(LayerBlock::lm_head) + (recompute ? l.lm_head_forward : 0.0);
  l.layer_weight = seconds(LayerBlock::attention, LayerPass::backward_weight) +
                   seconds(LayerBlock::mlp, LayerPass::backward_weight);
  l.embedding_weight = seconds(LayerBlock::embedding, LayerPass::backward_weight);
  l.lm_head_weight = seconds(LayerBlock::lm_head, LayerPass::backward_weight);
  return l;
}

namespace {

// Per-layer compute of a whole micro-batch (forward + backward, + recompute) on rank 0: the
// partitioner's costs.
struct PartitionCosts {
  std::vector<double> layers;
  double embedding = 0, lm_head = 0;
};

PartitionCosts partition_costs(const StepInput& in) {
  const StepCosts& c = *in.costs;
  const bool recompute = in.options.recompute == RecomputeKind::full;
  auto sum = [&](LayerBlock b, int layer) {
    double fwd = c.block(0, b, layer, LayerPass::forward, BlockPart::whole).seconds;
    return fwd + c.block(0, b, layer, LayerPass::backward_input, BlockPart::whole).seconds +
           c.block(0, b, layer, LayerPass::backward_weight, BlockPart::whole).seconds + (recompute ? fwd : 0.0);
  };
  PartitionCosts p;
  for (int l = 0; l < in.model.layers; ++l)
    p.layers.push_back(sum(LayerBlock::attention, l) + sum(in.model.is_moe_layer(l) ? LayerBlock::moe : LayerBlock::mlp, l));
  p.embedding = sum(LayerBlock::embedding, -1);
  p.lm_head = sum(LayerBlock::lm_head, -1);
  return p;
}

// Binds the slots of a role's op list for any of its ranks.
class Binder {
 public:
  Binder(const StepInput& in, const PipelineSchedule& s) : in_(in), s_(s) {}

  GroupPtr group_of(const step::GroupSpec& g, int rank) {
    using step::GroupKind;
    const StepLayout& l = in_.layout;
    switch (g.kind) {
      case GroupKind::tp: return intern_group(l.tp_group(rank));
      case GroupKind::cp: return intern_group(l.cp_group(rank));
      case GroupKind::ep: return intern_group(l.ep_group(rank));
      case GroupKind::dense_sync:
        return intern_group(over_stage_workers(l, s_, g.arg, rank, [&](int r) { return l.dense_replica_group(r); }));
      case GroupKind::expert_sync:
        return intern_group(over_stage_workers(l, s_, g.arg, rank, [&](int r) { return l.expert_replica_group(r); }));
      case GroupKind::tp_on: return intern_group(l.tp_group(l.peer_on(rank, g.arg)));
      case GroupKind::ep_on: return intern_group(l.ep_group(l.peer_on(rank, g.arg)));
    }
    throw std::logic_error("unknown group kind");
  }

  int peer_of(const step::PeerSpec& p, int rank) const {
    using step::PeerKind;
    const StepLayout& l = in_.layout;
    switch (p.kind) {
      case PeerKind::on_worker: return l.peer_on(rank, p.arg);
      case PeerKind::fixed: return p.arg;
      case PeerKind::cp_next:
      case PeerKind::cp_prev: {
        const auto g = l.cp_group(rank);
        const int n = static_cast<int>(g.size());
        const int i = static_cast<int>(std::find(g.begin(), g.end(), rank) - g.begin());
        return g[(i + (p.kind == PeerKind::cp_next ? 1 : n - 1)) % n];
      }
    }
    throw std::logic_error("unknown peer kind");
  }

 private:
  GroupPtr intern_group(std::vector<int> ranks) {
    auto it = groups_.find(ranks);
    if (it != groups_.end()) return it->second;
    GroupPtr g = make_group(ranks);
    return groups_.emplace(std::move(ranks), g).first->second;
  }
  const StepInput& in_;
  const PipelineSchedule& s_;
  std::map<std::vector<int>, GroupPtr> groups_;
};

struct Role {
  std::shared_ptr<ProgramBody> body;
  std::vector<step::GroupSpec> groups;
  std::vector<step::PeerSpec> peers;
  std::vector<LiveActivation> live;
  OpIndex optimizer = 0;
};

}  // namespace

TrainingStep lower_training_step(const StepInput& in) {
  if (!in.costs) throw std::invalid_argument("lower_training_step: no compute costs");
  TrainingStep out;
  ScheduleOptions so = in.schedule;
  so.stages = in.layout.workers();
  out.schedule = make_schedule(so);
  validate_schedule(out.schedule);
  const PipelineSchedule& s = out.schedule;
  if (in.partition.stages() == 0 && in.model.layers < s.stage_count)
    throw std::invalid_argument(fmt::format("{} layers cannot fill {} pipeline stages", in.model.layers, s.stage_count));

  const PartitionCosts pc = partition_costs(in);
  out.partition = in.partition.stages() > 0 ? in.partition
                                            : partition_layers(pc.layers, s.stage_count, pc.embedding, pc.lm_head);
  out.stage_seconds = stage_costs(out.partition, pc.layers, pc.embedding, pc.lm_head);
  MemoryOptions memory;
  memory.recompute = in.options.recompute == RecomputeKind::full;
  memory.sequence_parallel = in.options.sequence_parallel && in.layout.worker(0).tp > 1;
  memory.optimizer = in.options.optimizer;
  memory.embedding_and_head = in.options.compute_lowering == LoweringMode::standard;
  memory.selective = in.options.recompute == RecomputeKind::selective;
  memory.flash_attention = in.options.flash_attention;
  memory.cp = in.layout.worker(0).cp;
  memory.ep = in.layout.ep();
  memory.zero_stage = in.options.zero_stage;
  memory.stages_total = s.stage_count;
  // ZeRO shards over the ranks holding the same parameters: dp x cp per worker, times the
  // workers holding a stage (Chimera: 2).
  const int holders = in.layout.uniform() ? static_cast<int>(s.workers_of_stage(0).size()) : 1;
  memory.dense_shards = in.layout.worker(0).dp * in.layout.worker(0).cp * holders;
  memory.expert_shards = std::max(1, memory.dense_shards / in.layout.ep());
  out.stages = stage_memory(in.model, out.partition, in.layout.worker(0).tp, memory);

  Binder binder(in, s);
  step::StepContext ctx{in, s, out.stages,
                        [&](const step::GroupSpec& g, int rank) { return binder.group_of(g, rank); },
                        [&](const step::PeerSpec& p, int rank) { return binder.peer_of(p, rank); }};

  const int world = in.layout.world();
  out.programs.resize(world);
  out.live_activations.resize(world);
  out.optimizer_op.resize(world);
  out.rank_memory.resize(world);
  const bool shared = in.layout.uniform() && in.options.boundary == BoundaryMode::megatron;
  std::map<std::pair<int, const void*>, Role> roles;
  for (int rank = 0; rank < world; ++rank) {
    const int w = in.layout.place(rank).worker;
    auto key = shared ? std::pair{w, in.costs->identity(rank)} : std::pair{rank, static_cast<const void*>(nullptr)};
    auto it = roles.find(key);
    Program& p = out.programs[rank];
    if (it == roles.end()) {
      step::RoleBuilder rb(ctx, rank);
      p = rb.build(out.live_activations[rank], out.optimizer_op[rank]);
      Role role{p.body, rb.group_specs(), rb.peer_specs(), out.live_activations[rank], out.optimizer_op[rank]};
      roles.emplace(key, std::move(role));
    } else {
      const Role& role = it->second;
      p.rank = rank;
      p.body = role.body;
      for (const auto& g : role.groups) p.groups.push_back(binder.group_of(g, rank));
      for (const auto& q : role.peers) p.peers.push_back(binder.peer_of(q, rank));
      out.live_activations[rank] = role.live;
      out.optimizer_op[rank] = role.optimizer;
    }
    WorkerMemory& wm = out.rank_memory[rank];
    wm.stages = s.stages_of(w);
    const int versions = weight_versions(s, w);
    for (int st : wm.stages) {
      wm.state.weights += versions * out.stages[st].state.weights;
      wm.state.gradients += out.stages[st].state.gradients;
      wm.state.optimizer += out.stages[st].state.optimizer;
      wm.working = std::max(wm.working, out.stages[st].working_bytes);
    }
  }
  out.roles = static_cast<int>(roles.size());
  return out;
}

}  // namespace chimera
