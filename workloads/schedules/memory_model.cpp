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

double embedding_parameters(const ModelSpec& m) { return double(m.vocab) * m.hidden + double(m.sequence) * m.hidden; }

double lm_head_parameters(const ModelSpec& m) { return double(m.vocab) * m.hidden; }

double layer_activation_bytes(const ModelSpec& m, int tp, bool recompute, bool sequence_parallel) {
  const double s = m.sequence, b = m.micro_batch, h = m.hidden, a = m.heads, e = m.bytes_per_element;
  const double seq_share = sequence_parallel ? 1.0 / tp : 1.0;  // the sequence-sharded tensors' share
  if (recompute) return e * s * b * h * seq_share;
  // Per layer (Korthikanti et al. §4.1), in elements unless noted:
  //   replicated over tp: QKV input sbh, MLP input sbh, two layer-norm inputs 2sbh (e bytes
  //   each) and two dropout masks 2sbh (1 byte each);
  //   split over tp: Q, K 2sbh, V sbh, output-projection input sbh, GeLU input 4sbh and
  //   output 4sbh (12sbh); softmax output and attention dropout output 2as^2b (e bytes) and
  //   the attention dropout mask as^2b (1 byte).
  //   With sequence parallelism the "replicated" tensors are split over tp as well (§4.2.2).
  const double replicated = s * b * h * (4 * e + 2) * seq_share;
  const double split = (12 * e * s * b * h + (2 * e + 1) * a * s * s * b) / tp;
  return replicated + split;
}

std::vector<StageMemory> stage_memory(const ModelSpec& m, const StagePartition& p, int tp, const MemoryOptions& o) {
  const StateBytes per_param = state_bytes_per_parameter(m, o.optimizer);
  const double e = m.bytes_per_element, tokens = double(m.sequence) * m.micro_batch;
  std::vector<StageMemory> out(p.stages());
  for (int k = 0; k < p.stages(); ++k) {
    StageMemory& st = out[k];
    st.stage = k, st.first_layer = p.first_layer[k], st.layers = p.layers[k];
    st.embedding = k == 0;
    st.lm_head = k == p.stages() - 1;
    double params = st.layers * m.parameters_per_layer();
    if (st.embedding) params += embedding_parameters(m);
    if (st.lm_head) params += lm_head_parameters(m);
    st.parameters = params / tp;
    st.state = {per_param.weights * st.parameters, per_param.gradients * st.parameters,
                per_param.optimizer * st.parameters};
    st.activation_bytes = st.layers * layer_activation_bytes(m, tp, o.recompute, o.sequence_parallel);
    if (st.lm_head) st.activation_bytes += tokens * (double(m.vocab) / tp) * e;  // logits kept for the loss's backward
    // Recomputing a layer during the backward materialises its full activations again.
    st.working_bytes = o.recompute ? layer_activation_bytes(m, tp, false, o.sequence_parallel) : 0.0;
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
