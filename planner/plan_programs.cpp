#include "planner/plan_programs.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>

#include "common/input_error.hpp"
#include "planner/metis_balance.hpp"
#include "workloads/step/training_step.hpp"

namespace chimera::metis {
namespace {

constexpr double kMs = 1e-3;  // profiles are in milliseconds, programs in seconds

const Profile& need_profile(const PlanLoweringInput& in, const std::string& type, int tp, int bs) {
  const Profile* p = in.profiles->find(type, tp, bs);
  if (!p)
    throw InputError({in.profiles->origin}, profile_name(type, tp, bs), "missing, but the simulation of the plan needs it",
                     "a profile for every GPU type, TP degree and power-of-two batch size the plan uses");
  return *p;
}

// The cost model's time of a replica's share: the sum over the binary digits of `samples`.
template <typename F>
double over_digits(int samples, F&& at_batch) {
  double t = 0;
  for (int v = 1; v <= samples && v > 0; v *= 2)
    if (samples & v) t += at_batch(v);
  return t;
}

// Compute from the profiles of each rank's GPU type: Metis layer l (0 the embedding, L-1 the
// head) takes the sum over the binary digits of the replica's samples, one third forward and
// two thirds backward (profiles give fwd+bwd only, so the backward is one op); a transformer
// layer is halved into attention and MLP.
class ProfileCosts final : public StepCosts {
 public:
  ProfileCosts(const PlanLoweringInput& in, const std::vector<std::vector<int>>& samples) : in_(in) {
    for (std::size_t s = 0; s < in.stages.size(); ++s) {
      const StagePlan& st = in.stages[s];
      for (int r = 0; r < st.num_ranks; ++r) {
        RankInfo info;
        info.stage = static_cast<int>(s);
        const int local = r;
        info.samples = samples[s][local / st.tp];
        info.type = st.gpu_types[local];
        info.layer_ms.assign(in.layers, 0.0);
        if (info.samples > 0) {
          for (int l = st.first_layer; l < st.end_layer; ++l)
            info.layer_ms[l] = over_digits(info.samples, [&](int bs) { return need_profile(in, info.type, st.tp, bs).layer_compute_ms[l]; });
          if (s + 1 == in.stages.size())
            info.fb_ms = over_digits(info.samples, [&](int bs) { return need_profile(in, info.type, st.tp, bs).fb_sync_ms; });
        }
        ranks_.push_back(std::move(info));
      }
    }
  }

  BlockCost block(int rank, LayerBlock b, int layer, LayerPass pass, BlockPart) const override {
    const RankInfo& r = ranks_.at(rank);
    double ms = 0;
    switch (b) {
      case LayerBlock::embedding: ms = r.layer_ms[0]; break;
      case LayerBlock::lm_head: ms = r.layer_ms[in_.layers - 1]; break;
      case LayerBlock::attention:
      case LayerBlock::mlp:
      case LayerBlock::moe: ms = r.layer_ms[layer + 1] / 2; break;
    }
    const double share = pass == LayerPass::forward ? 1.0 / 3 : pass == LayerPass::backward_input ? 2.0 / 3 : 0.0;
    return {nullptr, ms * share * kMs};
  }

  BlockCost optimizer(int rank, double, double) const override {
    const StagePlan& st = in_.stages[ranks_.at(rank).stage];
    const int layers = st.end_layer - st.first_layer;
    return {nullptr, in_.constants->optimizer_time_ms / st.tp * layers / in_.layers * kMs};
  }

  const void* identity(int rank) const override { return &ranks_.at(rank); }
  bool splits_backward() const override { return false; }
  BlockCost before_first_forward(int) const override { return {nullptr, in_.constants->batch_generator_time_ms * kMs}; }
  BlockCost after_last_forward(int rank) const override { return {nullptr, ranks_.at(rank).fb_ms * kMs}; }

  std::optional<double> gradient_bytes(int rank, LayerBlock b, int) const override {
    const ModelConstants& c = *in_.constants;
    const double tp = in_.stages[ranks_.at(rank).stage].tp;
    switch (b) {
      case LayerBlock::embedding: return c.params_input / tp;
      case LayerBlock::lm_head: return c.params_output / tp;
      case LayerBlock::attention: return c.params_transformer / tp;  // the whole layer, once
      default: return 0.0;
    }
  }

 private:
  struct RankInfo {
    int stage = 0, samples = 0;
    std::string type;
    std::vector<double> layer_ms;
    double fb_ms = 0;
  };
  const PlanLoweringInput& in_;
  std::vector<RankInfo> ranks_;
};

WorkerLayout worker_of(const StagePlan& st, const std::vector<int>& samples) {
  WorkerLayout w;
  w.first_rank = st.first_rank;
  w.tp = st.tp, w.cp = 1, w.dp = st.dp;
  w.samples = samples;
  return w;
}

}  // namespace

std::vector<int> replica_samples(const PlanLoweringInput& in, int s) {
  const StagePlan& st = in.stages.at(s);
  const int chunk = st.tp;
  bool mixed = false;
  for (const auto& t : st.gpu_types) mixed = mixed || t != st.gpu_types.front();
  if (!mixed) return std::vector<int>(st.dp, st.micro_batch_size);
  // The planner's split of a mixed-type stage: batch G div M in proportion to replica speed.
  std::vector<double> seconds(st.dp);
  for (int i = 0; i < st.dp; ++i) {
    std::string type = st.gpu_types[i * chunk];
    double t = need_profile(in, type, st.tp, 1).layer_compute_total_ms;
    if (!in.chunk_type_first_gpu)
      for (int k = 1; k < chunk; ++k) {  // the slowest GPU of the replica sets its pace
        double u = need_profile(in, st.gpu_types[i * chunk + k], st.tp, 1).layer_compute_total_ms;
        if (u > t) t = u;
      }
    seconds[i] = t;
  }
  std::vector<int> shares(st.dp);
  split_batch(in.global_batch / in.micro_batches, seconds.data(), st.dp, shares.data());
  return shares;
}

std::vector<Transfer> reshard_transfers(const StagePlan& from, const std::vector<int>& from_samples, const StagePlan& to,
                                        const std::vector<int>& to_samples) {
  std::vector<Transfer> out;
  for (const ReshardPiece& p : reshard_pieces(worker_of(from, from_samples), worker_of(to, to_samples)))
    out.push_back({p.src, p.dst, p.samples});
  return out;
}

PlanPrograms lower_plan(const PlanLoweringInput& in) {
  if (!in.profiles || !in.constants) throw std::invalid_argument("lower_plan: profiles and constants are required");
  if (in.stages.empty() || in.micro_batches < 1 || in.layers < 3)
    throw std::invalid_argument("lower_plan: a plan needs stages, micro-batches and layers (embedding, transformer, head)");
  PlanPrograms out;
  std::vector<WorkerLayout> workers;
  StagePartition partition;
  for (std::size_t s = 0; s < in.stages.size(); ++s) {
    const StagePlan& st = in.stages[s];
    out.replica_samples.push_back(replica_samples(in, static_cast<int>(s)));
    workers.push_back(worker_of(st, out.replica_samples.back()));
    // Metis layer 0 is the embedding and L-1 the head; transformer layer t is Metis layer t + 1.
    const int first = std::max(st.first_layer, 1) - 1, end = std::min(st.end_layer, in.layers - 1) - 1;
    partition.first_layer.push_back(first);
    partition.layers.push_back(std::max(0, end - first));
  }
  ProfileCosts costs(in, out.replica_samples);
  StepInput step;
  step.model.name = "metis";
  step.model.layers = in.layers - 2;
  step.model.hidden = static_cast<int>(in.hidden_size);
  step.model.heads = 1;
  step.model.sequence = static_cast<int>(in.sequence_length);
  step.model.bytes_per_element = static_cast<int>(in.bytes_per_element);
  step.model.ffn_hidden = 4 * step.model.hidden;
  step.model.vocab = 1;
  step.layout = StepLayout(std::move(workers), 1);
  step.schedule.kind = ScheduleKind::gpipe;  // as the Metis cost model assumes
  step.schedule.micro_batches = in.micro_batches;
  step.options.boundary = BoundaryMode::reshard;
  step.options.overlap_grad_reduce = true;
  step.options.tp_communication = in.tp_communication;
  step.options.merge_blocks = false;  // the profiles' per-layer times, one op each
  step.options.tp_algorithm = in.tp_algorithm;
  step.options.dp_algorithm = in.dp_algorithm;
  step.costs = &costs;
  step.partition = partition;
  out.programs = lower_training_step(step).programs;
  return out;
}

}  // namespace chimera::metis
