#pragma once
// Memory per rank of a transformer training step: weights, gradients, optimizer state
// (mixed-precision Adam by default; sharded over the data-parallel ranks by ZeRO stage 1, 2, 3),
// and activations per micro-batch per stage from the transformer activation formula of
// Korthikanti et al. ("Reducing Activation Recomputation in Large Transformer Models", MLSys'23,
// §4), generalised to grouped-query attention, gated MLPs, experts and context parallelism, with
// full, selective or no recomputation and with or without FlashAttention. The peak of the
// activations comes from a simulated timeline (live from the start of a micro-batch's forward
// to the end of its backward), not from a formula.
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
  // Selective recomputation (Korthikanti et al. §5): the attention core (softmax, its dropout)
  // is recomputed, its s^2 tensors are not kept.
  bool selective = false;
  // FlashAttention keeps no s x s tensor either, only the softmax statistics (fp32, per row).
  bool flash_attention = false;
  int cp = 1;  // context parallelism: each rank holds s/cp of the sequence
  int ep = 1;  // expert parallelism: E/ep experts per rank
  // ZeRO: 1 optimizer state, 2 also gradients, 3 also parameters sharded over the ranks that
  // hold the same parameters: `dense_shards` (dp x cp, x workers holding the stage) and
  // `expert_shards` (dp x cp / ep, ...).
  int zero_stage = 0;
  int dense_shards = 1, expert_shards = 1;
  int stages_total = 0;  // pipeline stages (0: the partition's); a tied LM head is a copy when > 1
  // The embedding and the LM head are part of the model (false: the ISCA'25 study's layer
  // stack, which never schedules them).
  bool embedding_and_head = true;
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
// The general form: layer `l` (dense or MoE) under the options.
double layer_activation_bytes(const ModelSpec& m, int layer, int tp, const MemoryOptions& o);

struct StageMemory {
  int stage = 0, first_layer = 0, layers = 0;
  bool embedding = false, lm_head = false;
  double parameters = 0;         // on one tensor-parallel rank (routed experts: its E/ep)
  double expert_parameters = 0;  // of which routed experts
  StateBytes state;              // weights, gradients, optimizer of those parameters (ZeRO-sharded)
  double activation_bytes = 0;   // kept per in-flight micro-batch
  // Transient: one recomputed layer's activations (full recomputation), ZeRO-3's gathered
  // parameters of two layers (the one computing and the one prefetched).
  double working_bytes = 0;
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
