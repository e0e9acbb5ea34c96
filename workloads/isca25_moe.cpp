// DeepSpeed-MoE 1.3B streams of the ISCA'25 end-to-end experiments (reference §3.4): TP+EP
// and SP+EP, baseline or fused, per device of an expert-parallel stage of N devices in G
// sub-groups of t. A step is one dense and one MoE layer.
//
// The reference gives the forward streams only; the backward runs the mirror of the forward
// (emit_mirrored_backward), with the forward's expert cost share G/N (the original's backward
// scripts drop the G).
#include <algorithm>

#include "workloads/isca25_streams.hpp"

namespace chimera::isca25 {
namespace {

using K = CollectiveKind;

struct Moe {
  RankProgram& b;
  const DeviceContext& d;
  std::vector<Step> steps;
  GroupPtr ep, sub;  // this stage's EP group and this device's sub-group
  int subgroup = 0;  // index of this device's sub-group
  double N = 0, G = 0, t = 0, k = 0;

  Step compute(const char* name, int layer, const BlockCost& c) const {
    Step s;
    s.is_compute = true;
    s.name = name;
    s.layer = layer;
    s.cost = c;
    return s;
  }
  Step coll(const char* name, K kind, const GroupPtr& g, double bytes, int layer, const GroupPtr& targets = nullptr,
            std::uint16_t stream = kCollectiveStream) const {
    Step s;
    s.name = name;
    s.kind = kind;
    s.group = g;
    s.targets = targets;
    s.bytes = bytes;
    s.layer = layer;
    s.stream = stream;
    return s;
  }
  void add(Step s) { steps.push_back(std::move(s)); }

  // A stage's devices in sub-group order, so that multicast pairs sub-group j with sub-group j.
  GroupPtr ordered(int s) const {
    std::vector<int> r;
    for (const auto& g : d.stages[s].subgroups) r.insert(r.end(), g.begin(), g.end());
    return b.group(r);
  }
  GroupPtr subgroup_of(int s, int j) const { return b.group(d.stages[s].subgroups[j], d.stages[s].subgroup_shape); }

  // The boundary into or out of stage `from` -> `to`.
  Step boundary(int from, int to) const {
    const double P = d.P;
    const bool te = d.config.pair == FusionPair::tp_ep;
    if (te && !d.fused) return coll("pp.p2p", K::multicast, ordered(from), P / t, -1, ordered(to), kPipelineStream);
    if (te) return coll("pp+ep.m2ms", K::m2ms, b.group(d.stages[from].ranks, d.stages[from].shape), P * k * G / N, -1,
                        b.group(d.stages[to].ranks, d.stages[to].shape), kPipelineStream);
    if (!d.fused) return coll("pp.p2p", K::multicast, ordered(from), P, -1, ordered(to), kPipelineStream);
    return coll("pp+sp.m2ms", K::m2ms, subgroup_of(from, subgroup), P, -1, subgroup_of(to, subgroup), kPipelineStream);
  }

  void build() {
    const int s = d.stage, C = static_cast<int>(d.stages.size());
    const double P = d.P;
    const bool te = d.config.pair == FusionPair::tp_ep;
    const char* reduce = d.fused ? "tp.reducescatter" : "tp.allreduce";
    const K reduce_kind = d.fused ? K::reduce_scatter : K::all_reduce;
    const double ep_buffer = P * k * G / N, sub_buffer = P * k * G / t;
    if (s > 0) add(boundary(s - 1, s));
    const int n = d.last_unit - d.first_unit;
    for (int i = 0; i < n; ++i) {
      const int dense = 2 * (d.first_unit + i), moe = dense + 1;
      const bool first_of_model = s == 0 && i == 0;
      const bool gather_first = te ? (!d.fused || i == 0) : (d.fused ? (first_of_model || i > 0) : first_of_model);
      if (gather_first) add(coll("step.allgather", K::all_gather, sub, P, dense));
      // dense layer
      add(compute("attn", dense, d.attn));
      add(coll(reduce, reduce_kind, sub, P, dense));
      add(coll("tp.allgather", K::all_gather, sub, P, dense));
      add(compute("mlp", dense, d.mlp));
      add(coll(reduce, reduce_kind, sub, P, dense));
      add(coll("tp.allgather", K::all_gather, sub, P, dense));
      // MoE layer
      add(compute("attn", moe, d.attn));
      add(coll(reduce, reduce_kind, sub, P, moe));
      if (te && !d.fused) {
        add(coll("ep.dispatch", K::all_to_all, sub, sub_buffer, moe));
        add(compute("experts", moe, d.experts));
        add(coll("tp.allreduce", K::all_reduce, sub, P, moe));
        add(coll("ep.combine", K::all_to_all, sub, sub_buffer, moe));
      } else if (te) {
        add(coll("ep.dispatch", K::all_to_all, ep, ep_buffer, moe));
        add(coll("tp.allgather", K::all_gather, sub, P, moe));
        add(compute("experts", moe, d.experts));
        add(coll("tp.reducescatter", K::reduce_scatter, sub, P, moe));
        if (i < n - 1) add(coll("ep.combine", K::all_to_all, ep, ep_buffer, moe));
      } else if (!d.fused) {
        add(coll("sp.allgather", K::all_gather, sub, P, moe));
        add(coll("ep.dispatch", K::all_to_all, ep, ep_buffer, moe));
        add(compute("experts", moe, d.experts));
        add(coll("ep.combine", K::all_to_all, ep, ep_buffer, moe));
        add(coll("sp.alltoall", K::all_to_all, sub, P / t, moe));
        add(coll("sp.allgather", K::all_gather, sub, P, moe));
      } else {
        add(coll("ep.dispatch", K::all_to_all, ep, ep_buffer, moe));
        add(compute("experts", moe, d.experts));
        add(coll("ep.combine", K::all_to_all, ep, ep_buffer, moe));
      }
    }
    if (s < C - 1) add(boundary(s, s + 1));
  }
};

}  // namespace

void lower_moe_device(RankProgram& b, const DeviceContext& d) {
  const E2EStage& st = d.stages[d.stage];
  const int rank = st.ranks[d.position];
  Moe m{b, d, {}, b.group(st.ranks, st.shape), nullptr};
  for (std::size_t j = 0; j < st.subgroups.size(); ++j)
    if (std::find(st.subgroups[j].begin(), st.subgroups[j].end(), rank) != st.subgroups[j].end())
      m.subgroup = static_cast<int>(j);
  m.sub = b.group(st.subgroups[m.subgroup], st.subgroup_shape);
  m.N = double(st.ranks.size());
  m.G = double(st.subgroups.size());
  m.t = m.N / m.G;
  m.k = d.config.model.top_k;
  m.build();
  if (d.config.pass == E2EPass::forward) emit_forward(b, m.steps);
  else emit_mirrored_backward(b, m.steps, d.config.pass == E2EPass::backward_pipeline ? 2 : 1);
}

}  // namespace chimera::isca25
