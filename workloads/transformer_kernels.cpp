#include "workloads/transformer_kernels.hpp"

namespace chimera {
namespace {

Kernel gemm(const char* name, std::int64_t m, std::int64_t n, std::int64_t k, std::int64_t batch = 1) {
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
Kernel input_grad(const char* name, std::int64_t m, std::int64_t n, std::int64_t k, std::int64_t batch = 1) {
  return gemm(name, m, k, n, batch);
}
Kernel weight_grad(const char* name, std::int64_t m, std::int64_t n, std::int64_t k) { return gemm(name, k, n, m); }

}  // namespace

std::vector<Kernel> transformer_block_kernels(const ModelSpec& md, int tp, LayerBlock block, LayerPass pass) {
  const std::int64_t tokens = std::int64_t(md.micro_batch) * md.sequence;
  const std::int64_t h = md.hidden, s = md.sequence, d = md.hidden / md.heads;
  const std::int64_t heads = md.heads / tp, f = md.ffn_hidden / tp;
  const std::int64_t batch_heads = std::int64_t(md.micro_batch) * heads;
  const double e = md.bytes_per_element;
  const double act = double(tokens) * h * e;  // one activation tensor [tokens x h]
  std::vector<Kernel> k;
  if (block == LayerBlock::attention) {
    switch (pass) {
      case LayerPass::forward:
        k.push_back(elementwise("layernorm", 2 * act));
        k.push_back(gemm("qkv", tokens, 3 * h / tp, h));
        k.push_back(gemm("qk^T", s, s, d, batch_heads));
        k.push_back(elementwise("softmax", 2 * double(batch_heads) * s * s * e));
        k.push_back(gemm("attn*v", s, d, s, batch_heads));
        k.push_back(gemm("out-proj", tokens, h, h / tp));
        k.push_back(elementwise("dropout+residual", 3 * act));
        break;
      case LayerPass::backward_input:
        k.push_back(elementwise("dropout+residual", 3 * act));
        k.push_back(input_grad("out-proj", tokens, h, h / tp));
        k.push_back(gemm("d(attn)", s, s, d, batch_heads));   // dP = dO * V^T
        k.push_back(gemm("d(v)", s, d, s, batch_heads));      // dV = P^T * dO
        k.push_back(elementwise("softmax", 3 * double(batch_heads) * s * s * e));
        k.push_back(gemm("d(q)", s, d, s, batch_heads));      // dQ = dS * K
        k.push_back(gemm("d(k)", s, d, s, batch_heads));      // dK = dS^T * Q
        k.push_back(input_grad("qkv", tokens, 3 * h / tp, h));
        k.push_back(elementwise("layernorm", 3 * act));
        break;
      case LayerPass::backward_weight:
        k.push_back(weight_grad("out-proj", tokens, h, h / tp));
        k.push_back(weight_grad("qkv", tokens, 3 * h / tp, h));
        break;
    }
  } else {
    switch (pass) {
      case LayerPass::forward:
        k.push_back(elementwise("layernorm", 2 * act));
        k.push_back(gemm("fc1", tokens, f, h));
        k.push_back(elementwise("gelu", 2 * double(tokens) * f * e));
        k.push_back(gemm("fc2", tokens, h, f));
        k.push_back(elementwise("dropout+residual", 3 * act));
        break;
      case LayerPass::backward_input:
        k.push_back(elementwise("dropout+residual", 3 * act));
        k.push_back(input_grad("fc2", tokens, h, f));
        k.push_back(elementwise("gelu", 3 * double(tokens) * f * e));
        k.push_back(input_grad("fc1", tokens, f, h));
        k.push_back(elementwise("layernorm", 3 * act));
        break;
      case LayerPass::backward_weight:
        k.push_back(weight_grad("fc2", tokens, h, f));
        k.push_back(weight_grad("fc1", tokens, f, h));
        break;
    }
  }
  return k;
}

double cost_kernels(std::vector<Kernel>& kernels, const ComputeCostModel& model, int bytes_per_element) {
  double total = 0;
  for (Kernel& k : kernels) {
    k.seconds = k.kind == Kernel::Kind::gemm ? model.gemm_seconds(k.m, k.n, k.k, k.batch, bytes_per_element)
                                             : model.elementwise_seconds(k.bytes);
    total += k.seconds;
  }
  return total;
}

}  // namespace chimera
