#include "workloads/schedules/memory_model.hpp"

#include <algorithm>

namespace chimera {

const char* to_string(OptimizerKind k) { return k == OptimizerKind::adam ? "adam" : "sgd"; }

bool parse_optimizer_kind(const std::string& s, OptimizerKind& out) {
  if (s == "adam") return out = OptimizerKind::adam, true;
  if (s == "sgd") return out = OptimizerKind::sgd, true;
  return false;
}

StateBytes state_bytes_per_parameter(const ModelSpec& m, OptimizerKind k) {
  const double e = m.bytes_per_element;
  const double master = e < 4 ? 4.0 : 0.0;  // fp32 master weights under mixed precision
  StateBytes b;
  b.weights = e;
  b.gradients = e;
  b.optimizer = master + (k == OptimizerKind::adam ? 8.0 : 4.0);  // Adam: two fp32 moments; SGD: momentum
  return b;
}

double embedding_parameters(const ModelSpec& m) { return m.embedding_parameters(); }

double lm_head_parameters(const ModelSpec& m) { return double(m.vocab) * m.hidden; }

double layer_activation_bytes(const ModelSpec& m, int tp, bool recompute, bool sequence_parallel) {
  MemoryOptions o;
  o.recompute = recompute;
  o.sequence_parallel = sequence_parallel;
  return layer_activation_bytes(m, 0, tp, o);
}

double layer_activation_bytes(const ModelSpec& m, int layer, int tp, const MemoryOptions& o) {
  const double s = m.sequence / o.cp, b = m.micro_batch, h = m.hidden, a = m.heads, e = m.bytes_per_element;
  const double seq_share = o.sequence_parallel ? 1.0 / tp : 1.0;  // the sequence-sharded tensors' share
  if (o.recompute) return e * s * b * h * seq_share;
  // Per layer (Korthikanti et al. §4.1), in elements unless noted:
  //   replicated over tp: QKV input sbh, MLP input sbh, two layer-norm inputs 2sbh (e bytes
  //   each) and two dropout masks 2sbh (1 byte each);
  //   split over tp: Q sbh, K and V sb kv (kv = h without grouped-query attention), output-
  //   projection input sbh, the MLP activation's input (sb 4h for GeLU; 2f for a gated MLP)
  //   and output (sb f): 12sbh for GPT; softmax output and attention dropout output 2as^2b
  //   (e bytes) and the attention dropout mask as^2b (1 byte). With context parallelism the
  //   scores are s/cp x s per rank. Selective recomputation and FlashAttention keep none of
  //   the s^2 tensors (FlashAttention keeps the fp32 log-sum-exp of each row, 4as bytes).
  //   With sequence parallelism the "replicated" tensors are split over tp as well (§4.2.2).
  const double kv = m.kv_width();
  const double full_s = m.sequence;
  const double replicated = s * b * h * (4 * e + 2) * seq_share;
  double inner;  // the MLP activation's input + output columns
  if (m.is_moe_layer(layer)) {
    // Experts: each rank keeps its tokens' top-k copies (capacity factor) in and out of the
    // expert MLPs, plus the router's logits.
    const double f = m.expert_ffn(), up = m.gated_mlp() ? 2 * f : f;
    inner = m.capacity_factor * m.top_k * (h + up + f) + m.experts + m.shared_experts * (up + f);
  } else {
    const double f = m.ffn_hidden, up = m.gated_mlp() ? 2 * f : f;
    inner = up + f;
  }
  double scores = 0;
  if (o.flash_attention) scores = 4.0 * a * s * b;
  else if (!o.selective) scores = (2 * e + 1) * a * s * full_s * b;
  const double split = (e * s * b * (h + 2 * kv + h + inner) + scores) / tp;
  return replicated + split;
}

std::vector<StageMemory> stage_memory(const ModelSpec& m, const StagePartition& p, int tp, const MemoryOptions& o) {
  const StateBytes per_param = state_bytes_per_parameter(m, o.optimizer);
  const double e = m.bytes_per_element, tokens = double(m.sequence) / o.cp * m.micro_batch;
  const int stages_total = o.stages_total > 0 ? o.stages_total : p.stages();
  const double expert_mlp = m.mlp_parameters(m.expert_ffn());
  std::vector<StageMemory> out(p.stages());
  for (int k = 0; k < p.stages(); ++k) {
    StageMemory& st = out[k];
    st.stage = k, st.first_layer = p.first_layer[k], st.layers = p.layers[k];
    st.embedding = k == 0 && o.embedding_and_head;
    st.lm_head = k == p.stages() - 1 && o.embedding_and_head;
    double params = 0, experts = 0, largest_layer = 0;
    if (!m.moe()) {
      params = st.layers * m.parameters_per_layer();
      largest_layer = m.parameters_per_layer();
    } else {
      for (int l = st.first_layer; l < st.first_layer + st.layers; ++l) {
        const double routed = m.is_moe_layer(l) ? double(m.experts) * expert_mlp : 0.0;
        const double mine = m.layer_parameters(l) - routed + routed / o.ep;
        params += mine;
        experts += routed / o.ep;
        largest_layer = std::max(largest_layer, mine);
      }
    }
    if (st.embedding) params += embedding_parameters(m);
    // The LM head's output layer: its own, or the tied embedding's copy on the last of several
    // stages (Megatron keeps one there); with one stage the tied head is the embedding itself.
    if (st.lm_head && (!m.tie_embeddings || stages_total > 1)) params += lm_head_parameters(m);
    st.parameters = params / tp;
    st.expert_parameters = experts / tp;
    // ZeRO shards over the ranks holding the same parameters.
    const double dense = st.parameters - st.expert_parameters, routed = st.expert_parameters;
    auto sharded = [&](int from_stage) {
      return o.zero_stage >= from_stage ? dense / o.dense_shards + routed / o.expert_shards : st.parameters;
    };
    st.state = {per_param.weights * sharded(3), per_param.gradients * sharded(2), per_param.optimizer * sharded(1)};
    if (!m.moe()) st.activation_bytes = st.layers * layer_activation_bytes(m, st.first_layer, tp, o);
    else
      for (int l = st.first_layer; l < st.first_layer + st.layers; ++l)
        st.activation_bytes += layer_activation_bytes(m, l, tp, o);
    if (st.lm_head) st.activation_bytes += tokens * (double(m.vocab) / tp) * e;  // logits kept for the loss's backward
    // Recomputing a layer during the backward materialises its full activations again.
    if (o.recompute) {
      MemoryOptions whole = o;
      whole.recompute = false;
      double largest = 0;
      for (int l = st.first_layer; l < st.first_layer + st.layers; ++l)
        largest = std::max(largest, layer_activation_bytes(m, l, tp, whole));
      st.working_bytes = largest;
    }
    if (o.zero_stage >= 3) st.working_bytes += 2 * per_param.weights * largest_layer / tp;
  }
  return out;
}

std::vector<WorkerMemory> worker_memory(const PipelineSchedule& s, const std::vector<std::vector<ActionTiming>>& timings,
                                        const std::vector<StageMemory>& stages) {
  std::vector<double> act(stages.size());
  for (std::size_t k = 0; k < stages.size(); ++k) act[k] = stages[k].activation_bytes;
  const std::vector<double> peak = peak_live_activations(s, timings, act);
  std::vector<WorkerMemory> out(s.workers);
  for (int w = 0; w < s.workers; ++w) {
    WorkerMemory& wm = out[w];
    wm.stages = s.stages_of(w);
    const int versions = weight_versions(s, w);  // PipeDream's stashed and 2BW's double-buffered weights
    for (int st : wm.stages) {
      wm.state.weights += versions * stages.at(st).state.weights;
      wm.state.gradients += stages.at(st).state.gradients;
      wm.state.optimizer += stages.at(st).state.optimizer;
      wm.working = std::max(wm.working, stages.at(st).working_bytes);
    }
    wm.peak_activations = peak[w];
  }
  return out;
}

}  // namespace chimera
