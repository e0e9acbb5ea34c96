#include "workloads/transformer_kernels.hpp"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

namespace chimera {
namespace {

using I = std::int64_t;

Kernel gemm(const char* name, I m, I n, I k, I batch = 1) {
  Kernel g;
  g.kind = Kernel::Kind::gemm;
  g.name = name;
  g.m = m, g.n = n, g.k = k, g.batch = batch;
  return g;
}

Kernel elementwise(const char* name, double bytes) {
  Kernel e;
  e.kind = Kernel::Kind::elementwise;
  e.name = name;
  e.bytes = bytes;
  return e;
}

// A fused attention core (FlashAttention): `batch` heads of [s_q x d] queries against
// [s_kv x d] keys and values, scores kept on chip.
Kernel flash(const char* name, I s_q, I s_kv, I d, I batch, bool causal, bool backward) {
  Kernel a;
  a.kind = Kernel::Kind::attention;
  a.name = name;
  a.m = s_q, a.n = s_kv, a.k = d, a.batch = batch;
  a.causal = causal;
  a.backward = backward;
  return a;
}

// For Y[m x n] = X[m x k] * W[k x n]: dX = dY * W^T is an [m x k] result with inner size n;
// dW = X^T * dY is a [k x n] result with inner size m.
Kernel input_grad(const char* name, I m, I n, I k, I batch = 1) { return gemm(name, m, k, n, batch); }
Kernel weight_grad(const char* name, I m, I n, I k, I batch = 1) { return gemm(name, k, n, m, batch); }

I ceil_div(I a, I b) { return (a + b - 1) / b; }

// Shapes every standard block uses. Byte counts below: each memory-bound kernel reads its
// inputs once and writes its outputs once (forward: read x, write y = 2 tensors; backward:
// read dy and the saved x, write dx = 3 tensors); dropout masks are 1 byte per element.
struct Dims {
  I b;           // sequences of this rank's micro-batch
  I tokens;      // tokens of this rank: b x s / cp
  I s;           // the sequence
  I s_local;     // this rank's part of it: s / cp
  I h, d, f, vocab;
  I heads;       // query heads of this rank (tp shard)
  I kv_heads;    // key/value heads of this rank (tp shard)
  I qkv;         // columns of the fused Q, K, V projection on this rank (grouped-query: fewer K, V)
  I up;          // columns of the first MLP GEMM on this rank: f, or 2 f for a gated MLP (gate and up)
  const char* activation;
  double e, act;
  // The activation as layer norms, dropout and residuals see it: sharded along the sequence
  // over the tp ranks under Megatron sequence parallelism, whole (replicated) without.
  double seq_act;
  Dims(const ModelSpec& md, const LayerSharding& sh)
      : b(sh.samples > 0 ? sh.samples : md.micro_batch),
        tokens(b * (I(md.sequence) / sh.cp)),
        s(md.sequence),
        s_local(md.sequence / sh.cp),
        h(md.hidden),
        d(md.hidden / md.heads),
        f(md.ffn_hidden / sh.tp),
        vocab(ceil_div(md.vocab, sh.tp)),
        heads(md.heads / sh.tp),
        kv_heads(md.kv_head_count() / sh.tp),
        qkv((I(md.hidden) + 2 * I(md.kv_width())) / sh.tp),
        up(md.gated_mlp() ? 2 * I(md.ffn_hidden / sh.tp) : I(md.ffn_hidden / sh.tp)),
        activation(md.gated_mlp() ? "swiglu" : "gelu"),
        e(md.bytes_per_element),
        act(double(tokens) * md.hidden * md.bytes_per_element),
        seq_act(sh.sequence_parallel ? act / sh.tp : act) {}
};

// The three parts of a block in one pass, in execution order.
struct Parts {
  std::vector<Kernel> pre, side, core, post;
};

std::vector<Kernel> select(Parts p, LayerPass pass, BlockPart part) {
  switch (part) {
    case BlockPart::pre: return std::move(p.pre);
    case BlockPart::side: return std::move(p.side);
    case BlockPart::core: return std::move(p.core);
    case BlockPart::post: return std::move(p.post);
    case BlockPart::whole: break;
  }
  std::vector<Kernel> all;
  auto append = [&](std::vector<Kernel>& v) { all.insert(all.end(), v.begin(), v.end()); };
  if (pass == LayerPass::forward) append(p.pre), append(p.side), append(p.core), append(p.post);
  else append(p.post), append(p.side), append(p.core), append(p.pre);
  return all;
}

// The attention core of one rank. Context parallelism: ring attention computes, per ring step,
// its s/cp queries against one s/cp block of keys (the core kernels below are ONE step's; the
// builder runs cp of them); Ulysses computes the whole sequence for heads/cp heads.
std::vector<Kernel> attention_core(const Dims& x, const LayerSharding& sh, bool causal, LayerPass pass) {
  const bool ulysses = sh.cp > 1 && sh.cp_kind == ContextParallelKind::ulysses;
  const I s_q = ulysses ? x.s : x.s_local;
  const I s_kv = ulysses ? x.s : x.s_local;
  const I bh = x.b * (ulysses ? x.heads / sh.cp : x.heads);
  const double scores = double(bh) * s_q * s_kv;  // elements of QK^T
  std::vector<Kernel> k;
  if (sh.flash_attention) {
    // Ring attention's per-step blocks are not causal except the diagonal one: charge the
    // causal saving on average (half the blocks of the whole sequence are masked).
    if (pass == LayerPass::forward) k.push_back(flash("flash-attn", s_q, s_kv, x.d, bh, causal, false));
    if (pass == LayerPass::backward_input) k.push_back(flash("flash-attn", s_q, s_kv, x.d, bh, causal, true));
    return k;
  }
  switch (pass) {
    case LayerPass::forward:
      k.push_back(gemm("qk^T", s_q, s_kv, x.d, bh));
      k.push_back(elementwise("softmax", 2 * scores * x.e));
      k.push_back(elementwise("attn-dropout", scores * (2 * x.e + 1)));
      k.push_back(gemm("attn*v", s_q, x.d, s_kv, bh));
      break;
    case LayerPass::backward_input:
      k.push_back(gemm("d(attn)", s_q, s_kv, x.d, bh));  // dP = dO * V^T
      k.push_back(gemm("d(v)", s_kv, x.d, s_q, bh));     // dV = P^T * dO
      k.push_back(elementwise("attn-dropout", scores * (2 * x.e + 1)));
      k.push_back(elementwise("softmax", 3 * scores * x.e));
      k.push_back(gemm("d(q)", s_q, x.d, s_kv, bh));  // dQ = dS * K
      k.push_back(gemm("d(k)", s_kv, x.d, s_q, bh));  // dK = dS^T * Q
      break;
    case LayerPass::backward_weight: break;
  }
  return k;
}

Parts attention(const ModelSpec& md, const Dims& x, const LayerSharding& sh, LayerPass pass) {
  Parts p;
  const I out_in = x.heads * x.d;  // input columns of the output projection on this rank
  switch (pass) {
    case LayerPass::forward:
      p.pre.push_back(elementwise("layernorm", 2 * x.seq_act));
      p.pre.push_back(gemm("qkv", x.tokens, x.qkv, x.h));
      p.post.push_back(gemm("out-proj", x.tokens, x.h, out_in));
      p.post.push_back(elementwise("dropout+residual", 3 * x.seq_act));
      break;
    case LayerPass::backward_input:
      p.post.push_back(elementwise("dropout+residual", 3 * x.seq_act));
      p.post.push_back(input_grad("out-proj", x.tokens, x.h, out_in));
      p.pre.push_back(input_grad("qkv", x.tokens, x.qkv, x.h));
      p.pre.push_back(elementwise("layernorm", 3 * x.seq_act));
      break;
    case LayerPass::backward_weight:
      p.post.push_back(weight_grad("out-proj", x.tokens, x.h, out_in));
      p.pre.push_back(weight_grad("qkv", x.tokens, x.qkv, x.h));
      break;
  }
  p.core = attention_core(x, sh, md.causal, pass);
  return p;
}

// A (gated) MLP of `f` columns per rank over `rows` tokens, `count` of them in one batched
// GEMM (experts), names prefixed.
void mlp_gemms(std::vector<Kernel>& k, const Dims& x, LayerPass pass, const char* fc1, const char* fc2, I rows, I f,
               I count, bool gated) {
  const I up = gated ? 2 * f : f;
  const double inner = double(count) * rows * f * x.e, inner_up = double(count) * rows * up * x.e;
  switch (pass) {
    case LayerPass::forward:
      k.push_back(gemm(fc1, rows, up, x.h, count));
      k.push_back(elementwise(x.activation, inner_up + inner));  // read the up output, write f
      k.push_back(gemm(fc2, rows, x.h, f, count));
      break;
    case LayerPass::backward_input:
      k.push_back(input_grad(fc2, rows, x.h, f, count));
      k.push_back(elementwise(x.activation, inner + 2 * inner_up));  // read dy and the saved input, write dx
      k.push_back(input_grad(fc1, rows, up, x.h, count));
      break;
    case LayerPass::backward_weight:
      k.push_back(weight_grad(fc2, rows, x.h, f, count));
      k.push_back(weight_grad(fc1, rows, up, x.h, count));
      break;
  }
}

Parts mlp(const ModelSpec& md, const Dims& x, LayerPass pass) {
  Parts p;
  if (pass == LayerPass::forward) p.pre.push_back(elementwise("layernorm", 2 * x.seq_act));
  if (pass == LayerPass::backward_input) p.post.push_back(elementwise("dropout+residual", 3 * x.seq_act));
  mlp_gemms(pass == LayerPass::forward ? p.pre : p.post, x, pass, "fc1", "fc2", x.tokens, x.f, 1, md.gated_mlp());
  if (pass == LayerPass::forward) p.pre.push_back(elementwise("dropout+residual", 3 * x.seq_act));
  if (pass == LayerPass::backward_input) p.post.push_back(elementwise("layernorm", 3 * x.seq_act));
  // One part only: everything in `pre` (forward) or `post` (backward) keeps whole() in order.
  return p;
}

// Experts of one rank: E/ep local experts, each receiving `capacity` tokens from each of the
// ep ranks (capacity = ceil(capacity_factor * top_k * tokens / E), GShard/DeepSpeed style)
// and, with tensor parallelism, from each of the tp ranks (they dispatch distinct slices and
// all-gather what they receive, so every expert shard sees all its tokens); expert MLPs
// sharded over tp like the dense MLP. Shared experts run on every rank over its own tokens.
// The router is replicated.
Parts moe(const ModelSpec& md, const Dims& x, const LayerSharding& sh, LayerPass pass) {
  const I experts = md.experts, local = md.experts / sh.ep;
  const I capacity = static_cast<I>(std::ceil(md.capacity_factor * md.top_k * double(x.tokens) / double(experts)));
  const I rows = I(sh.ep) * capacity;  // tokens per local expert
  const I f_expert = md.expert_ffn() / sh.tp;
  const double buffer = double(experts) * capacity * x.h * x.e;  // dispatch buffer of this rank
  const double permute = buffer + x.act;                         // read one side, write the other
  const double logits = double(x.tokens) * experts * x.e;
  Parts p;
  switch (pass) {
    case LayerPass::forward:
      p.pre.push_back(elementwise("layernorm", 2 * x.seq_act));
      p.pre.push_back(gemm("router", x.tokens, experts, x.h));
      p.pre.push_back(elementwise("router-softmax+top-k", 2 * logits));
      p.pre.push_back(elementwise("dispatch", permute));
      break;
    case LayerPass::backward_input:
      p.post.push_back(elementwise("dropout+residual", 3 * x.seq_act));
      p.post.push_back(elementwise("combine", permute));
      p.pre.push_back(elementwise("dispatch", permute));
      p.pre.push_back(elementwise("router-softmax+top-k", 3 * logits));
      p.pre.push_back(input_grad("router", x.tokens, experts, x.h));
      p.pre.push_back(elementwise("layernorm", 3 * x.seq_act));
      break;
    case LayerPass::backward_weight: p.pre.push_back(weight_grad("router", x.tokens, experts, x.h)); break;
  }
  mlp_gemms(p.core, x, pass, "expert-fc1", "expert-fc2", rows, f_expert, local, md.gated_mlp());
  if (md.shared_experts > 0)  // the shared experts' MLP over this rank's tokens, shared x f columns
    mlp_gemms(p.side, x, pass, "shared-fc1", "shared-fc2", x.tokens, f_expert * md.shared_experts, 1, md.gated_mlp());
  if (pass == LayerPass::forward) {
    p.post.push_back(elementwise("combine", permute));
    p.post.push_back(elementwise("dropout+residual", 3 * x.seq_act));
  }
  return p;
}

// Vocabulary-parallel embedding: each rank gathers the rows it owns (the all-reduce that
// completes the sum is communication, not here). Token ids have no gradient, so the input-
// gradient pass only runs dropout's backward; the weight gradient is a scatter-add.
std::vector<Kernel> embedding(const Dims& x, LayerPass pass) {
  std::vector<Kernel> k;
  switch (pass) {
    case LayerPass::forward:
      k.push_back(elementwise("embedding-gather", 2 * x.act));
      k.push_back(elementwise("position+dropout", 3 * x.seq_act));
      break;
    case LayerPass::backward_input:
      k.push_back(elementwise("dropout", 3 * x.seq_act));
      break;
    case LayerPass::backward_weight:
      k.push_back(elementwise("embedding-grad", 3 * x.act));
      k.push_back(elementwise("position-grad", 2 * x.seq_act));
      break;
  }
  return k;
}

// Final layer norm, vocabulary-parallel logits and cross-entropy.
std::vector<Kernel> lm_head(const Dims& x, LayerPass pass) {
  const double logits = double(x.tokens) * x.vocab * x.e;
  std::vector<Kernel> k;
  switch (pass) {
    case LayerPass::forward:
      k.push_back(elementwise("final-layernorm", 2 * x.seq_act));
      k.push_back(gemm("logits", x.tokens, x.vocab, x.h));
      k.push_back(elementwise("cross-entropy", 2 * logits));
      break;
    case LayerPass::backward_input:
      k.push_back(elementwise("cross-entropy", 2 * logits));
      k.push_back(input_grad("logits", x.tokens, x.vocab, x.h));
      k.push_back(elementwise("final-layernorm", 3 * x.seq_act));
      break;
    case LayerPass::backward_weight:
      k.push_back(weight_grad("logits", x.tokens, x.vocab, x.h));
      break;
  }
  return k;
}

// The ISCA'25 GEMM lists (shared/data/isca25/layer-gemms/, rows in file order), written for
// t = micro_batch * sequence tokens, S = sequence, H = hidden, F = ffn_hidden; the score
// GEMMs run once per sequence (batch = micro_batch; 1 in the study).
std::vector<Kernel> isca25_block(const ModelSpec& md, LayerBlock block, LayerPass pass) {
  const I t = I(md.micro_batch) * md.sequence, s = md.sequence, h = md.hidden, f = md.ffn_hidden,
          b = md.micro_batch;
  std::vector<Kernel> k;
  auto dense_mlp = [&](int copies) {
    switch (pass) {
      case LayerPass::forward:  // medium_gpt_mlp.csv: cfc 256,4096,1024; cproj 256,1024,4096
        for (int i = 0; i < copies; ++i) k.push_back(gemm("cfc", t, f, h));
        for (int i = 0; i < copies; ++i) k.push_back(gemm("cproj", t, h, f));
        break;
      case LayerPass::backward_input:  // cproj 256,1024,4096; cfc 256,4096,1024
        for (int i = 0; i < copies; ++i) k.push_back(gemm("cproj", t, h, f));
        for (int i = 0; i < copies; ++i) k.push_back(gemm("cfc", t, f, h));
        break;
      case LayerPass::backward_weight:  // cproj 4096,256,1024; cfc 1024,256,4096
        for (int i = 0; i < copies; ++i) k.push_back(gemm("cproj", f, t, h));
        for (int i = 0; i < copies; ++i) k.push_back(gemm("cfc", h, t, f));
        break;
    }
  };
  switch (block) {
    case LayerBlock::attention:
      switch (pass) {
        case LayerPass::forward:  // medium_gpt_attention.csv
          k.push_back(gemm("xqkv", t, 3 * h, h));
          k.push_back(gemm("QKT", s, s, h, b));
          k.push_back(gemm("QKTV", s, h, s, b));
          k.push_back(gemm("cproj", t, h, h));
          break;
        case LayerPass::backward_input:  // medium_gpt_attention_input_backward.csv
          k.push_back(gemm("cproj", t, h, h));
          k.push_back(gemm("p_s", s, h, s, b));
          k.push_back(gemm("p_v", s, s, h, b));
          k.push_back(gemm("s_q", s, s, h, b));
          k.push_back(gemm("s_k", h, s, s, b));
          k.push_back(gemm("x", t, 3 * h, h));
          break;
        case LayerPass::backward_weight:  // medium_gpt_attention_weight_backward.csv
          k.push_back(gemm("cproj", h, t, h));
          k.push_back(gemm("qkv", t, h, 3 * h));
          break;
      }
      break;
    case LayerBlock::mlp: dense_mlp(1); break;
    case LayerBlock::moe:  // moe_1point3_256_moe*.csv: each MLP GEMM top_k times
      if (md.experts < 1) throw std::invalid_argument(fmt::format("model {} has no experts (MoE block)", md.name));
      dense_mlp(md.top_k);
      break;
    case LayerBlock::embedding:
    case LayerBlock::lm_head: break;  // computed but never scheduled by the study
  }
  return k;
}

void check_sharding(const ModelSpec& md, const LayerSharding& shard) {
  if (shard.tp < 1 || shard.ep < 1 || shard.cp < 1)
    throw std::invalid_argument(
        fmt::format("tp, ep and cp must be >= 1 (got tp={} ep={} cp={})", shard.tp, shard.ep, shard.cp));
  if (md.heads % shard.tp != 0 || md.kv_head_count() % shard.tp != 0 || md.ffn_hidden % shard.tp != 0 ||
      md.expert_ffn() % shard.tp != 0)
    throw std::invalid_argument(fmt::format("tp={} must divide heads ({}), kv_heads ({}) and ffn_hidden ({})", shard.tp,
                                            md.heads, md.kv_head_count(), md.ffn_hidden));
  if (md.sequence % shard.cp != 0)
    throw std::invalid_argument(fmt::format("cp={} must divide the sequence ({})", shard.cp, md.sequence));
  if (shard.cp > 1 && shard.cp_kind == ContextParallelKind::ulysses &&
      (md.heads % (shard.tp * shard.cp) != 0 || md.kv_head_count() % (shard.tp * shard.cp) != 0))
    throw std::invalid_argument(fmt::format("Ulysses needs tp x cp = {} to divide heads ({}) and kv_heads ({})",
                                            shard.tp * shard.cp, md.heads, md.kv_head_count()));
}

}  // namespace

const char* to_string(LayerBlock b) {
  switch (b) {
    case LayerBlock::attention: return "attention";
    case LayerBlock::mlp: return "mlp";
    case LayerBlock::moe: return "moe";
    case LayerBlock::embedding: return "embedding";
    case LayerBlock::lm_head: return "lm_head";
  }
  return "?";
}

const char* to_string(LayerPass p) {
  switch (p) {
    case LayerPass::forward: return "forward";
    case LayerPass::backward_input: return "backward_input";
    case LayerPass::backward_weight: return "backward_weight";
  }
  return "?";
}

const char* to_string(LoweringMode m) { return m == LoweringMode::standard ? "standard" : "isca25"; }
const char* to_string(ContextParallelKind k) { return k == ContextParallelKind::ring ? "ring" : "ulysses"; }

bool parse_lowering_mode(const std::string& text, LoweringMode& out) {
  if (text == "standard") return out = LoweringMode::standard, true;
  if (text == "isca25") return out = LoweringMode::isca25, true;
  return false;
}

bool parse_context_parallel_kind(const std::string& text, ContextParallelKind& out) {
  if (text == "ring") return out = ContextParallelKind::ring, true;
  if (text == "ulysses") return out = ContextParallelKind::ulysses, true;
  return false;
}

bool has_parts(const LayerSharding& shard, LayerBlock block) {
  return shard.mode == LoweringMode::standard && (block == LayerBlock::attention || block == LayerBlock::moe);
}

std::vector<Kernel> transformer_block_kernels(const ModelSpec& md, const LayerSharding& shard, LayerBlock block,
                                              LayerPass pass, BlockPart part) {
  if (shard.tp < 1 || shard.ep < 1)
    throw std::invalid_argument(fmt::format("tp and ep must be >= 1 (got tp={} ep={})", shard.tp, shard.ep));
  if (shard.mode == LoweringMode::isca25) return part == BlockPart::whole ? isca25_block(md, block, pass) : std::vector<Kernel>{};
  check_sharding(md, shard);
  const Dims x(md, shard);
  switch (block) {
    case LayerBlock::attention: return select(attention(md, x, shard, pass), pass, part);
    case LayerBlock::mlp: return part == BlockPart::whole ? select(mlp(md, x, pass), pass, part) : std::vector<Kernel>{};
    case LayerBlock::moe:
      if (md.experts < 1 || md.top_k < 1)
        throw std::invalid_argument(fmt::format("model {} has no experts (MoE block)", md.name));
      if (md.experts % shard.ep != 0)
        throw std::invalid_argument(fmt::format("ep={} must divide the {} experts", shard.ep, md.experts));
      return select(moe(md, x, shard, pass), pass, part);
    case LayerBlock::embedding: return part == BlockPart::whole ? embedding(x, pass) : std::vector<Kernel>{};
    case LayerBlock::lm_head: return part == BlockPart::whole ? lm_head(x, pass) : std::vector<Kernel>{};
  }
  return {};
}

std::vector<Kernel> transformer_block_kernels(const ModelSpec& m, int tp, LayerBlock block, LayerPass pass,
                                              LoweringMode mode) {
  LayerSharding s;
  s.tp = tp, s.mode = mode;
  return transformer_block_kernels(m, s, block, pass);
}

double device_share(const LayerSharding& shard) {
  return shard.mode == LoweringMode::isca25 ? 1.0 / shard.tp : 1.0;
}

double cost_kernels(std::vector<Kernel>& kernels, const ComputeCostModel& model, int bytes_per_element, double share) {
  double total = 0;
  for (Kernel& k : kernels) {
    switch (k.kind) {
      case Kernel::Kind::gemm: k.seconds = model.gemm_seconds(k.m, k.n, k.k, k.batch, bytes_per_element); break;
      case Kernel::Kind::elementwise: k.seconds = model.elementwise_seconds(k.bytes); break;
      case Kernel::Kind::attention:
        k.seconds = model.attention_seconds(k.batch, k.m, k.n, k.k, k.causal,
                                            k.backward ? AttentionPass::backward : AttentionPass::forward);
        break;
    }
    k.seconds *= share;
    total += k.seconds;
  }
  return total;
}

}  // namespace chimera
