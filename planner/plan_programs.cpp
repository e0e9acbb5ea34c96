#include "planner/plan_programs.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>

#include "common/input_error.hpp"
#include "planner/metis_balance.hpp"

namespace chimera::metis {
namespace {

constexpr double kMs = 1e-3;  // profiles are in milliseconds, programs in seconds

// Message channels between stages: 16 and up, clear of the stream-numbered collective channels.
int activation_channel(int boundary) { return 16 + 2 * boundary; }
int gradient_channel(int boundary) { return 17 + 2 * boundary; }

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

enum class LayerKind { embedding, transformer, head };

// Builds the whole set of programs; one RankBuilder per rank.
class Lowering {
 public:
  explicit Lowering(const PlanLoweringInput& in) : in_(in) {
    const int S = static_cast<int>(in.stages.size());
    for (int s = 0; s < S; ++s) samples_.push_back(replica_samples(in, s));
    for (int b = 0; b + 1 < S; ++b) {
      forward_.push_back(reshard_transfers(in.stages[b], samples_[b], in.stages[b + 1], samples_[b + 1]));
      backward_.push_back(reshard_transfers(in.stages[b + 1], samples_[b + 1], in.stages[b], samples_[b]));
    }
  }

  PlanPrograms run();

  const PlanLoweringInput& in_;
  std::vector<std::vector<int>> samples_;
  std::vector<std::vector<Transfer>> forward_, backward_;  // per boundary b (stage b <-> b+1)
  std::map<std::vector<int>, GroupPtr> groups_;

  GroupPtr group(std::vector<int> ranks) {
    auto it = groups_.find(ranks);
    if (it != groups_.end()) return it->second;
    return groups_.emplace(ranks, make_group(ranks)).first->second;
  }
  double sample_bytes() const { return in_.sequence_length * in_.hidden_size * in_.bytes_per_element; }
};

class RankBuilder {
 public:
  RankBuilder(Lowering& lw, int s, int rank) : lw_(lw), in_(lw.in_), s_(s), rank_(rank), st_(in_.stages[s]) {
    const int local = rank - st_.first_rank;
    replica_ = local / st_.tp;
    tp_index_ = local % st_.tp;
    samples_ = lw.samples_[s][replica_];
    type_ = st_.gpu_types[local];
    last_ = s + 1 == static_cast<int>(in_.stages.size());
    p_.rank = rank;
  }

  Program build() {
    compute_times();
    for (int m = 0; m < in_.micro_batches; ++m) forward(m);
    std::vector<OpIndex> syncs, ready;
    for (int m = 0; m < in_.micro_batches; ++m) ready = backward(m, m + 1 == in_.micro_batches ? &syncs : nullptr);
    const int layers = st_.end_layer - st_.first_layer;
    if (layers > 0) {
      std::vector<OpIndex> deps = syncs;
      deps.insert(deps.end(), ready.begin(), ready.end());
      compute("optimizer", -1, -1, in_.constants->optimizer_time_ms / st_.tp * layers / in_.layers, std::move(deps));
    }
    return std::move(p_);
  }

 private:
  void compute_times() {
    layer_ms_.assign(in_.layers, 0);
    if (samples_ == 0) return;
    for (int l = st_.first_layer; l < st_.end_layer; ++l)
      layer_ms_[l] = over_digits(samples_, [&](int bs) { return need_profile(in_, type_, st_.tp, bs).layer_compute_ms[l]; });
    if (last_) fb_ms_ = over_digits(samples_, [&](int bs) { return need_profile(in_, type_, st_.tp, bs).fb_sync_ms; });
  }

  LayerKind kind(int l) const {
    if (l == 0) return LayerKind::embedding;
    return l == in_.layers - 1 ? LayerKind::head : LayerKind::transformer;
  }

  OpIndex compute(const char* name, int layer, int mb, double ms, std::vector<OpIndex> deps) {
    return p_.add(compute_op(intern(name), layer, mb, ms * kMs, std::move(deps)));
  }

  OpIndex allreduce(const char* name, std::uint16_t stream, GroupPtr g, CollectiveAlgorithm algo, double bytes,
                    int layer, int mb, std::vector<OpIndex> deps) {
    Op op = collective_op(intern(name), CollectiveKind::all_reduce, p_.bind(std::move(g)), bytes, stream, layer, mb, std::move(deps));
    op.algorithm = algo;
    return p_.add(std::move(op));
  }

  // After a block: its tensor-parallel all-reduce when tp > 1.
  std::vector<OpIndex> reduced(OpIndex block, int layer, int mb) {
    if (st_.tp == 1 || !in_.tp_communication) return {block};
    if (!tp_group_) {
      std::vector<int> ranks;
      for (int t = 0; t < st_.tp; ++t) ranks.push_back(st_.first_rank + replica_ * st_.tp + t);
      tp_group_ = lw_.group(std::move(ranks));
    }
    double bytes = samples_ * lw_.sample_bytes();
    return {allreduce("tp.allreduce", kCollectiveStream, tp_group_, in_.tp_algorithm, bytes, layer, mb, {block})};
  }

  std::vector<OpIndex> layer_forward(int l, int mb, std::vector<OpIndex> ready) {
    const double f = layer_ms_[l] / 3;  // fwd : bwd = 1 : 2
    switch (kind(l)) {
      case LayerKind::embedding: return reduced(compute("embed.fwd", l, mb, f, std::move(ready)), l, mb);
      case LayerKind::head: return {compute("head.fwd", l, mb, f, std::move(ready))};
      case LayerKind::transformer: break;
    }
    ready = reduced(compute("attn.fwd", l, mb, f / 2, std::move(ready)), l, mb);
    return reduced(compute("mlp.fwd", l, mb, f / 2, std::move(ready)), l, mb);
  }

  // `grads_done`: the op after which the layer's weight gradients of this micro-batch are ready.
  std::vector<OpIndex> layer_backward(int l, int mb, std::vector<OpIndex> ready, OpIndex& grads_done) {
    const double b = layer_ms_[l] * 2 / 3;
    switch (kind(l)) {
      case LayerKind::embedding: return {grads_done = compute("embed.bwd", l, mb, b, std::move(ready))};
      case LayerKind::head: return reduced(grads_done = compute("head.bwd", l, mb, b, std::move(ready)), l, mb);
      case LayerKind::transformer: break;
    }
    ready = reduced(compute("mlp.bwd", l, mb, b / 2, std::move(ready)), l, mb);
    return reduced(grads_done = compute("attn.bwd", l, mb, b / 2, std::move(ready)), l, mb);
  }

  // One stream per peer and side, so that pieces to and from different ranks travel at once.
  std::uint16_t peer_stream(int peer) {
    auto it = streams_.find(peer);
    if (it != streams_.end()) return it->second;
    return streams_[peer] = p_.add_stream(fmt::format("pp.{}.r{}", peer < st_.first_rank ? "prev" : "next", peer));
  }

  OpIndex transfer(OpKind k, const char* name, int peer, int channel, double samples, int mb, std::vector<OpIndex> deps) {
    Op op;
    op.kind = k;
    op.stream = peer_stream(peer);
    op.channel = channel;
    op.name = intern(name);
    op.micro_batch = mb;
    op.peer = p_.bind_peer(peer);
    op.bytes = samples * lw_.sample_bytes();
    op.deps = std::move(deps);
    return p_.add(std::move(op));
  }

  std::vector<OpIndex> receive(const std::vector<Transfer>& pieces, const char* name, int channel, int mb) {
    std::vector<OpIndex> out;
    for (const auto& t : pieces)
      if (t.dst == rank_) out.push_back(transfer(OpKind::recv, name, t.src, channel, t.samples, mb, {}));
    return out;
  }

  void send(const std::vector<Transfer>& pieces, const char* name, int channel, int mb, const std::vector<OpIndex>& after) {
    for (const auto& t : pieces)
      if (t.src == rank_) transfer(OpKind::send, name, t.dst, channel, t.samples, mb, after);
  }

  void forward(int m) {
    std::vector<OpIndex> ready;
    if (s_ > 0) ready = receive(lw_.forward_[s_ - 1], "pp.recv.act", activation_channel(s_ - 1), m);
    if (s_ == 0) ready = {compute("batch.gen", -1, m, in_.constants->batch_generator_time_ms, std::move(ready))};
    if (samples_ > 0) {
      for (int l = st_.first_layer; l < st_.end_layer; ++l) ready = layer_forward(l, m, std::move(ready));
      if (last_) ready = {compute("fb.sync", -1, m, fb_ms_, std::move(ready))};
    }
    if (!last_) send(lw_.forward_[s_], "pp.send.act", activation_channel(s_), m, ready);
  }

  // `syncs` (last micro-batch only): collects the data-parallel gradient all-reduces.
  std::vector<OpIndex> backward(int m, std::vector<OpIndex>* syncs) {
    std::vector<OpIndex> ready;
    if (!last_) ready = receive(lw_.backward_[s_], "pp.recv.grad", gradient_channel(s_), m);
    for (int l = st_.end_layer - 1; l >= st_.first_layer; --l) {
      OpIndex grads = 0;
      bool computed = samples_ > 0;
      if (computed) ready = layer_backward(l, m, std::move(ready), grads);
      if (syncs && st_.dp > 1) syncs->push_back(allreduce("dp.allreduce", kDataParallelStream, dp_group(), in_.dp_algorithm,
                                                          parameter_bytes(l) / st_.tp, l, -1,
                                                          computed ? std::vector<OpIndex>{grads} : ready));
    }
    if (s_ > 0) send(lw_.backward_[s_ - 1], "pp.send.grad", gradient_channel(s_ - 1), m, ready);
    return ready;
  }

  double parameter_bytes(int l) const {
    const ModelConstants& c = *in_.constants;
    if (kind(l) == LayerKind::embedding) return c.params_input;
    return kind(l) == LayerKind::head ? c.params_output : c.params_transformer;
  }

  GroupPtr dp_group() {
    if (!dp_group_) {
      std::vector<int> ranks;
      for (int i = 0; i < st_.dp; ++i) ranks.push_back(st_.first_rank + i * st_.tp + tp_index_);
      dp_group_ = lw_.group(std::move(ranks));
    }
    return dp_group_;
  }

  Lowering& lw_;
  const PlanLoweringInput& in_;
  int s_, rank_;
  const StagePlan& st_;
  int replica_ = 0, tp_index_ = 0, samples_ = 0;
  std::string type_;
  bool last_ = false;
  std::vector<double> layer_ms_;
  double fb_ms_ = 0;
  GroupPtr tp_group_, dp_group_;
  std::map<int, std::uint16_t> streams_;
  Program p_;
};

PlanPrograms Lowering::run() {
  PlanPrograms out;
  out.replica_samples = samples_;
  for (int s = 0; s < static_cast<int>(in_.stages.size()); ++s) {
    const StagePlan& st = in_.stages[s];
    for (int r = st.first_rank; r < st.first_rank + st.num_ranks; ++r) out.programs.push_back(RankBuilder(*this, s, r).build());
  }
  return out;
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
  for (int j = 0, q = 0; j < to.dp; q += to_samples[j], ++j)
    for (int tj = 0; tj < to.tp; ++tj) {
      const int dst = to.first_rank + j * to.tp + tj;
      for (int i = 0, p = 0; i < from.dp; p += from_samples[i], ++i) {
        const int overlap = std::min(p + from_samples[i], q + to_samples[j]) - std::max(p, q);
        if (overlap <= 0) continue;
        for (int ti = 0; ti < from.tp; ++ti) out.push_back({from.first_rank + i * from.tp + ti, dst, double(overlap) / from.tp});
      }
    }
  return out;
}

PlanPrograms lower_plan(const PlanLoweringInput& in) {
  if (!in.profiles || !in.constants) throw std::invalid_argument("lower_plan: profiles and constants are required");
  if (in.stages.empty() || in.micro_batches < 1 || in.layers < 1)
    throw std::invalid_argument("lower_plan: a plan needs stages, micro-batches and layers");
  return Lowering(in).run();
}

}  // namespace chimera::metis
