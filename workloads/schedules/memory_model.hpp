#pragma once
// Memory per rank of a pipeline-parallel transformer: weights, gradients, optimizer state
// (mixed-precision Adam by default), and activations per micro-batch per stage from the
// transformer activation formula of Korthikanti et al. ("Reducing Activation Recomputation in
// Large Transformer Models", MLSys'23, §4), with or without full recomputation. The peak of
// the activations comes from a simulated timeline (live from the start of a micro-batch's
// forward to the end of its backward), not from a formula.
#include <string>
#include <vector>

#include "workloads/model_spec.hpp"
#include "workloads/schedules/partition.hpp"
#include "workloads/schedules/schedule.hpp"
#include "workloads/schedules/unit_executor.hpp"

namespace chimera {

enum class OptimizerKind { adam, sgd };
const char* to_string(OptimizerKind k);
bool parse_optimizer_kind(const std::string& s, OptimizerKind& out);
inline constexpr const char* kOptimizerChoices = "adam, sgd";

struct MemoryOptions {
  bool recompute = false;  // full activation recomputation: keep only each layer's input
  bool sequence_parallel = false;  // Megatron sequence parallelism: the replicated part is split over tp too
  OptimizerKind optimizer = OptimizerKind::adam;
};

// Bytes of state per parameter. Model precision e = bytes_per_element:
//   weights e, gradients e; Adam keeps fp32 moments (8 B) plus, when e < 4, an fp32 master
//   copy (4 B): 2 + 2 + 12 = 16 B for fp16 (ZeRO paper, §3.1); SGD with momentum 4 B (+4 B
//   master when e < 4).
struct StateBytes {
  double weights = 0, gradients = 0, optimizer = 0;
  double total() const { return weights + gradients + optimizer; }
};
StateBytes state_bytes_per_parameter(const ModelSpec& m, OptimizerKind k);

// Token and position embeddings (vocab x hidden + sequence x hidden), held by stage 0.
double embedding_parameters(const ModelSpec& m);
// The LM head's projection (vocab x hidden): a copy of the tied embedding on the last stage.
double lm_head_parameters(const ModelSpec& m);

// Activations one transformer layer keeps for its backward, per micro-batch, on one of `tp`
// tensor-parallel ranks (no sequence parallelism). With e-byte elements and 1-byte dropout
// masks: s*b*h*(4e + 2 + 12e/tp) + a*s^2*b*(2e + 1)/tp, i.e. s*b*h*(10 + 24/tp + 5as/(h tp))
// for e = 2 (the paper's eq. 2 and its tensor-parallel form). Full recomputation keeps the
// layer input only: e*s*b*h.
double layer_activation_bytes(const ModelSpec& m, int tp, bool recompute, bool sequence_parallel = false);

struct StageMemory {
  int stage = 0, first_layer = 0, layers = 0;
  bool embedding = false, lm_head = false;
  double parameters = 0;        // on one tensor-parallel rank
  StateBytes state;             // weights, gradients, optimizer of those parameters
  double activation_bytes = 0;  // kept per in-flight micro-batch
  double working_bytes = 0;     // transient during a backward (one recomputed layer's activations)
};

// Stage 0 holds the embeddings, the last stage the LM head (a tied copy) and its logits.
std::vector<StageMemory> stage_memory(const ModelSpec& m, const StagePartition& p, int tp, const MemoryOptions& o);

struct WorkerMemory {
  std::vector<int> stages;
  StateBytes state;               // sum over the worker's stages
  double peak_activations = 0;    // peak over the timeline
  double working = 0;
  double total() const { return state.total() + peak_activations + working; }
};

// Per worker of the schedule, with the activation peak of the given timeline. Weights count
// weight_versions(s, worker) copies (PipeDream D - w, 2BW 2); gradients and optimizer state one.
std::vector<WorkerMemory> worker_memory(const PipelineSchedule& s, const std::vector<std::vector<ActionTiming>>& timings,
                                        const std::vector<StageMemory>& stages);

}  // namespace chimera
