// GPT-2 medium streams of the ISCA'25 end-to-end experiments (reference §3.3): TP+PP and
// TP+SP, baseline (all-reduce) or fused (reduce-scatter), per device of a stage.
#include "workloads/isca25_streams.hpp"

namespace chimera::isca25 {
namespace {

using K = CollectiveKind;

struct Gpt {
  RankProgram& b;
  const DeviceContext& d;
  GroupPtr stage_group;
  bool tp_pp;
  bool megatron_sp;  // fused TP+SP all-gathers the sequence before each attention

  GroupPtr stage(int s) const {
    const E2EStage& st = d.stages[s];
    return b.group(st.ranks, st.shape);
  }

  // The stage boundary s -> s+1 (forward) or s+1 -> s (backward: from = s+1).
  OpIndex boundary(int from, int to, double bytes, int chunk, std::vector<OpIndex> deps) {
    const bool p2p = !tp_pp && !d.fused;  // TP+SP baseline: node j -> node j, the full tensor
    return b.collective(p2p ? "pp.p2p" : "pp.m2ms", p2p ? K::multicast : K::m2ms, stage(from), bytes, -1, chunk,
                        std::move(deps), stage(to), kPipelineStream);
  }

  OpIndex coll(const char* name, K kind, double bytes, int layer, int chunk, std::vector<OpIndex> deps) {
    return b.collective(name, kind, stage_group, bytes, layer, chunk, std::move(deps));
  }
  const char* reduce_name() const { return d.fused ? "tp.reducescatter" : "tp.allreduce"; }
  K reduce_kind() const { return d.fused ? K::reduce_scatter : K::all_reduce; }

  void forward() {
    const int s = d.stage, C = static_cast<int>(d.stages.size());
    const double P = d.P;
    OpIndex prev;
    bool gathered = true;  // the stage input is the full sequence
    if (s == 0) {
      prev = coll("slice.allgather", K::all_gather, P, -1, -1, {});
    } else {
      prev = boundary(s - 1, s, P, -1, {});
      if (tp_pp) prev = coll("pp.allgather", K::all_gather, P, -1, -1, {prev});
      else gathered = !d.fused;
    }
    for (int l = d.first_unit; l < d.last_unit; ++l) {
      if (megatron_sp && !gathered) prev = coll("sp.allgather", K::all_gather, P, l, -1, {prev});
      OpIndex a = b.compute("attn.fwd", l, -1, d.attn.fwd, {prev});
      OpIndex x = coll(reduce_name(), reduce_kind(), P, l, -1, {a});
      OpIndex g = coll("tp.allgather", K::all_gather, P, l, -1, {x});
      OpIndex m = b.compute("mlp.fwd", l, -1, d.mlp.fwd, {g});
      prev = coll(reduce_name(), reduce_kind(), P, l, -1, {m});
      gathered = !d.fused;
    }
    if (s < C - 1) boundary(s, s + 1, P, -1, {prev});
  }

  // The research's backward streams, per layer in reverse (input gradient then weight gradient):
  //   baseline: AR (after the previous attention IG) -> MLP-IG -> {MLP-WG | RS -> AR} -> attention-IG
  //             (after the AR and MLP-WG) -> attention-WG
  //   fused:    AG (after the previous attention WG) -> MLP-IG -> {MLP-WG | RS -> AG} -> attention-IG
  //             -> attention-WG
  // The pipelined variant runs each layer as `chunks` interleaved chunks of P/chunks bytes.
  void backward(int chunks) {
    const int s = d.stage, C = static_cast<int>(d.stages.size());
    const double part = d.P / chunks;
    std::vector<OpIndex> ig(chunks), wg(chunks);
    for (int c = 0; c < chunks; ++c) {
      OpIndex entry;
      if (s == C - 1) {
        entry = coll("slice.allgather", K::all_gather, part, -1, c, {});
      } else {
        entry = boundary(s + 1, s, part, c, {});
        if (tp_pp) entry = coll("pp.allgather", K::all_gather, part, -1, c, {entry});
      }
      ig[c] = wg[c] = entry;
    }
    for (int l = d.last_unit - 1; l >= d.first_unit; --l) {
      std::vector<OpIndex> first(chunks), m_ig(chunks), m_wg(chunks), second(chunks), a_ig(chunks);
      for (int c = 0; c < chunks; ++c)
        first[c] = d.fused ? coll("tp.allgather", K::all_gather, part, l, c, {wg[c]})
                           : coll("tp.allreduce", K::all_reduce, part, l, c, {ig[c]});
      for (int c = 0; c < chunks; ++c) m_ig[c] = b.compute("mlp.bwd.ig", l, c, d.mlp.ig, {first[c]});
      for (int c = 0; c < chunks; ++c) m_wg[c] = b.compute("mlp.bwd.wg", l, c, d.mlp.wg, {m_ig[c]});
      for (int c = 0; c < chunks; ++c) {
        OpIndex rs = coll("tp.reducescatter", K::reduce_scatter, part, l, c, {m_ig[c]});
        second[c] = d.fused ? coll("tp.allgather", K::all_gather, part, l, c, {rs})
                            : coll("tp.allreduce", K::all_reduce, part, l, c, {rs});
      }
      for (int c = 0; c < chunks; ++c) a_ig[c] = b.compute("attn.bwd.ig", l, c, d.attn.ig, {second[c], m_wg[c]});
      for (int c = 0; c < chunks; ++c) {
        wg[c] = b.compute("attn.bwd.wg", l, c, d.attn.wg, {a_ig[c]});
        // Megatron SP: the backward of the all-gather before attention is a reduce-scatter.
        ig[c] = megatron_sp ? coll("sp.reducescatter", K::reduce_scatter, part, l, c, {a_ig[c]}) : a_ig[c];
      }
    }
    if (s > 0)
      for (int c = 0; c < chunks; ++c) boundary(s, s - 1, part, c, {ig[c]});
  }
};

}  // namespace

void lower_gpt_device(RankProgram& b, const DeviceContext& d) {
  const E2EStage& st = d.stages[d.stage];
  Gpt g{b, d, b.group(st.ranks, st.shape), d.config.pair == FusionPair::tp_pp,
        d.config.pair == FusionPair::tp_sp && d.fused && d.config.sp == SpSemantics::megatron};
  switch (d.config.pass) {
    case E2EPass::forward: return g.forward();
    case E2EPass::backward: return g.backward(1);
    case E2EPass::backward_pipeline: return g.backward(2);
  }
}

}  // namespace chimera::isca25
