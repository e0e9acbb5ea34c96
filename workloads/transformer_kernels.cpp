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

// For Y[m x n] = X[m x k] * W[k x n]: dX = dY * W^T is an [m x k] result with inner size n;
// dW = X^T * dY is a [k x n] result with inner size m.
Kernel input_grad(const char* name, I m, I n, I k, I batch = 1) { return gemm(name, m, k, n, batch); }
Kernel weight_grad(const char* name, I m, I n, I k, I batch = 1) { return gemm(name, k, n, m, batch); }

I ceil_div(I a, I b) { return (a + b - 1) / b; }

// Shapes every standard block uses. Byte counts below: each memory-bound kernel reads its
// inputs once and writes its outputs once (forward: read x, write y = 2 tensors; backward:
// read dy and the saved x, write dx = 3 tensors); dropout masks are 1 byte per element.
struct Dims {
  I tokens, s, h, d, heads, f, batch_heads, vocab;
  I qkv;         // columns of the fused Q, K, V projection on this rank (grouped-query: fewer K, V)
  I up;          // columns of the first MLP GEMM on this rank: f, or 2 f for a gated MLP (gate and up)
  const char* activation;
  double e, act;
  // The activation as layer norms, dropout and residuals see it: sharded along the sequence
  // over the tp ranks under Megatron sequence parallelism, whole (replicated) without.
  double seq_act;
  Dims(const ModelSpec& md, int tp, bool sequence_parallel = false)
      : tokens(I(md.micro_batch) * md.sequence),
        s(md.sequence),
        h(md.hidden),
        d(md.hidden / md.heads),
        heads(md.heads / tp),
        f(md.ffn_hidden / tp),
        batch_heads(I(md.micro_batch) * (md.heads / tp)),
        vocab(ceil_div(md.vocab, tp)),
        qkv((I(md.hidden) + 2 * I(md.kv_width())) / tp),
        up(md.gated_mlp() ? 2 * I(md.ffn_hidden / tp) : I(md.ffn_hidden / tp)),
        activation(md.gated_mlp() ? "swiglu" : "gelu"),
        e(md.bytes_per_element),
        act(double(tokens) * md.hidden * md.bytes_per_element),
        seq_act(sequence_parallel ? act / tp : act) {}
};

std::vector<Kernel> attention(const Dims& x, int tp, LayerPass pass) {
  const double scores = double(x.batch_heads) * x.s * x.s;  // elements of QK^T
  std::vector<Kernel> k;
  switch (pass) {
    case LayerPass::forward:
      k.push_back(elementwise("layernorm", 2 * x.seq_act));
      k.push_back(gemm("qkv", x.tokens, x.qkv, x.h));
      k.push_back(gemm("qk^T", x.s, x.s, x.d, x.batch_heads));
      k.push_back(elementwise("softmax", 2 * scores * x.e));
      k.push_back(elementwise("attn-dropout", scores * (2 * x.e + 1)));
      k.push_back(gemm("attn*v", x.s, x.d, x.s, x.batch_heads));
      k.push_back(gemm("out-proj", x.tokens, x.h, x.h / tp));
      k.push_back(elementwise("dropout+residual", 3 * x.seq_act));
      break;
    case LayerPass::backward_input:
      k.push_back(elementwise("dropout+residual", 3 * x.seq_act));
      k.push_back(input_grad("out-proj", x.tokens, x.h, x.h / tp));
      k.push_back(gemm("d(attn)", x.s, x.s, x.d, x.batch_heads));  // dP = dO * V^T
      k.push_back(gemm("d(v)", x.s, x.d, x.s, x.batch_heads));     // dV = P^T * dO
      k.push_back(elementwise("attn-dropout", scores * (2 * x.e + 1)));
      k.push_back(elementwise("softmax", 3 * scores * x.e));
      k.push_back(gemm("d(q)", x.s, x.d, x.s, x.batch_heads));  // dQ = dS * K
      k.push_back(gemm("d(k)", x.s, x.d, x.s, x.batch_heads));  // dK = dS^T * Q
      k.push_back(input_grad("qkv", x.tokens, x.qkv, x.h));
      k.push_back(elementwise("layernorm", 3 * x.seq_act));
      break;
    case LayerPass::backward_weight:
      k.push_back(weight_grad("out-proj", x.tokens, x.h, x.h / tp));
      k.push_back(weight_grad("qkv", x.tokens, x.qkv, x.h));
      break;
  }
  return k;
}

std::vector<Kernel> mlp(const Dims& x, LayerPass pass) {
  std::vector<Kernel> k;
  switch (pass) {
    case LayerPass::forward:
      k.push_back(elementwise("layernorm", 2 * x.seq_act));
      k.push_back(gemm("fc1", x.tokens, x.up, x.h));
      k.push_back(elementwise(x.activation, double(x.tokens) * (x.up + x.f) * x.e));  // read the up output, write f
      k.push_back(gemm("fc2", x.tokens, x.h, x.f));
      k.push_back(elementwise("dropout+residual", 3 * x.seq_act));
      break;
    case LayerPass::backward_input:
      k.push_back(elementwise("dropout+residual", 3 * x.seq_act));
      k.push_back(input_grad("fc2", x.tokens, x.h, x.f));
      k.push_back(elementwise(x.activation, double(x.tokens) * (x.f + 2 * x.up) * x.e));  // read dy and the saved input, write dx
      k.push_back(input_grad("fc1", x.tokens, x.up, x.h));
      k.push_back(elementwise("layernorm", 3 * x.seq_act));
      break;
    case LayerPass::backward_weight:
      k.push_back(weight_grad("fc2", x.tokens, x.h, x.f));
      k.push_back(weight_grad("fc1", x.tokens, x.up, x.h));
      break;
  }
  return k;
}

// Experts of one rank: E/ep local experts, each receiving `capacity` tokens from each of the
// ep ranks (capacity = ceil(capacity_factor * top_k * tokens / E), GShard/DeepSpeed style);
// expert MLPs sharded over tp like the dense MLP. The router is replicated.
std::vector<Kernel> moe(const ModelSpec& md, const Dims& x, int ep, LayerPass pass) {
  const I experts = md.experts, local = md.experts / ep;
  const I capacity = static_cast<I>(std::ceil(md.capacity_factor * md.top_k * double(x.tokens) / double(experts)));
  const I rows = I(ep) * capacity;  // tokens per local expert
  const double buffer = double(experts) * capacity * x.h * x.e;  // dispatch buffer of this rank
  const double permute = buffer + x.act;                         // read one side, write the other
  const double logits = double(x.tokens) * experts * x.e;
  const double inner = double(local) * rows * x.f * x.e;  // one activation-sized tensor of f columns
  const double inner_up = double(local) * rows * x.up * x.e;
  std::vector<Kernel> k;
  switch (pass) {
    case LayerPass::forward:
      k.push_back(elementwise("layernorm", 2 * x.seq_act));
      k.push_back(gemm("router", x.tokens, experts, x.h));
      k.push_back(elementwise("router-softmax+top-k", 2 * logits));
      k.push_back(elementwise("dispatch", permute));
      k.push_back(gemm("expert-fc1", rows, x.up, x.h, local));
      k.push_back(elementwise(x.activation, inner_up + inner));
      k.push_back(gemm("expert-fc2", rows, x.h, x.f, local));
      k.push_back(elementwise("combine", permute));
      k.push_back(elementwise("dropout+residual", 3 * x.seq_act));
      break;
    case LayerPass::backward_input:
      k.push_back(elementwise("dropout+residual", 3 * x.seq_act));
      k.push_back(elementwise("combine", permute));
      k.push_back(input_grad("expert-fc2", rows, x.h, x.f, local));
      k.push_back(elementwise(x.activation, inner + 2 * inner_up));
      k.push_back(input_grad("expert-fc1", rows, x.up, x.h, local));
      k.push_back(elementwise("dispatch", permute));
      k.push_back(elementwise("router-softmax+top-k", 3 * logits));
      k.push_back(input_grad("router", x.tokens, experts, x.h));
      k.push_back(elementwise("layernorm", 3 * x.seq_act));
      break;
    case LayerPass::backward_weight:
      k.push_back(weight_grad("expert-fc2", rows, x.h, x.f, local));
      k.push_back(weight_grad("expert-fc1", rows, x.up, x.h, local));
      k.push_back(weight_grad("router", x.tokens, experts, x.h));
      break;
  }
  return k;
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

bool parse_lowering_mode(const std::string& text, LoweringMode& out) {
  if (text == "standard") return out = LoweringMode::standard, true;
  if (text == "isca25") return out = LoweringMode::isca25, true;
  return false;
}

std::vector<Kernel> transformer_block_kernels(const ModelSpec& md, const LayerSharding& shard, LayerBlock block,
                                              LayerPass pass) {
  if (shard.tp < 1 || shard.ep < 1)
    throw std::invalid_argument(fmt::format("tp and ep must be >= 1 (got tp={} ep={})", shard.tp, shard.ep));
  if (shard.mode == LoweringMode::isca25) return isca25_block(md, block, pass);
  if (md.heads % shard.tp != 0 || md.kv_head_count() % shard.tp != 0 || md.ffn_hidden % shard.tp != 0)
    throw std::invalid_argument(fmt::format("tp={} must divide heads ({}), kv_heads ({}) and ffn_hidden ({})", shard.tp,
                                            md.heads, md.kv_head_count(), md.ffn_hidden));
  const Dims x(md, shard.tp, shard.sequence_parallel);
  switch (block) {
    case LayerBlock::attention: return attention(x, shard.tp, pass);
    case LayerBlock::mlp: return mlp(x, pass);
    case LayerBlock::moe:
      if (md.experts < 1 || md.top_k < 1)
        throw std::invalid_argument(fmt::format("model {} has no experts (MoE block)", md.name));
      if (md.experts % shard.ep != 0)
        throw std::invalid_argument(fmt::format("ep={} must divide the {} experts", shard.ep, md.experts));
      return moe(md, x, shard.ep, pass);
    case LayerBlock::embedding: return embedding(x, pass);
    case LayerBlock::lm_head: return lm_head(x, pass);
  }
  return {};
}

std::vector<Kernel> transformer_block_kernels(const ModelSpec& m, int tp, LayerBlock block, LayerPass pass,
                                              LoweringMode mode) {
  return transformer_block_kernels(m, LayerSharding{tp, 1, mode}, block, pass);
}

double device_share(const LayerSharding& shard) {
  return shard.mode == LoweringMode::isca25 ? 1.0 / shard.tp : 1.0;
}

double cost_kernels(std::vector<Kernel>& kernels, const ComputeCostModel& model, int bytes_per_element, double share) {
  double total = 0;
  for (Kernel& k : kernels) {
    k.seconds = share * (k.kind == Kernel::Kind::gemm ? model.gemm_seconds(k.m, k.n, k.k, k.batch, bytes_per_element)
                                                      : model.elementwise_seconds(k.bytes));
    total += k.seconds;
  }
  return total;
}

}  // namespace chimera
