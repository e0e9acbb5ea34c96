#pragma once
// One training step of a transformer, lowered into one program per rank. This is the one
// builder every workload goes through: without pipeline parallelism a one-stage schedule,
// every pipeline schedule of workloads/schedules/, and the planner's heterogeneous stages
// (their own tp and dp, samples and compute costs).
//
// Per action of a pipeline worker's schedule:
//  - F / B / W of a model stage: its blocks (embedding on the first stage, then per layer
//    attention and a dense MLP or an MoE block, the LM head on the last) in forward, input-
//    gradient and weight-gradient passes (workloads/step/blocks.cpp), with their tensor-,
//    context- and expert-parallel communication; the weight gradient follows each block unless
//    the schedule splits it into W (zero-bubble). With full recomputation B first re-runs the
//    stage's forward; with selective recomputation, each attention core.
//  - send / recv: the stage boundary (workloads/step/boundaries.cpp): point-to-point between the
//    corresponding ranks of the two workers, or the fused many-to-many sends.
//  - gradient sync of a stage: its gradients all-reduced (or, with ZeRO, reduce-scattered) over
//    the ranks holding the stage; with overlap_grad_reduce per layer as soon as the last
//    micro-batch's weight gradient of that layer is done.
// Then the optimizer step (and, with ZeRO, the parameter all-gathers).
//
// Ranks of one role (the same worker and hardware on a uniform layout) share one op list;
// groups and peers are slots each rank binds to its own (workloads/program.hpp).
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "compute/cost_model.hpp"
#include "workloads/fusion_pairs.hpp"
#include "workloads/model_spec.hpp"
#include "workloads/program.hpp"
#include "workloads/schedules/memory_model.hpp"
#include "workloads/schedules/partition.hpp"
#include "workloads/schedules/schedule.hpp"
#include "workloads/step/layout.hpp"
#include "workloads/transformer_kernels.hpp"

namespace chimera {

// The fused communication patterns applied ([fusion] pairs). Absent pairs use the research's
// baseline pattern at that boundary (see workloads/README.md).
class FusionSet {
 public:
  bool has(FusionPair p) const { return (bits_ >> static_cast<int>(p)) & 1u; }
  void add(FusionPair p) { bits_ |= 1u << static_cast<int>(p); }
  bool empty() const { return bits_ == 0; }
  std::vector<FusionPair> pairs() const;
  std::string describe() const;  // "tp+pp, pp+sp" or "none"

 private:
  unsigned bits_ = 0;
};

enum class RecomputeKind { none, selective, full };
const char* to_string(RecomputeKind k);
bool parse_recompute_kind(const std::string& text, RecomputeKind& out);
inline constexpr const char* kRecomputeChoices = "\"none\", \"selective\" or \"full\"";

// How stage boundaries move activations: between the corresponding ranks of two workers of the
// same shape (Megatron), or resharded between stages of different tp, dp and samples (Metis:
// each target rank receives its samples in tp_from equal pieces, one from each tensor rank of
// every source replica that holds some of them).
enum class BoundaryMode { megatron, reshard };

struct StepOptions {
  bool sequence_parallel = false;  // Megatron SP: the fused TP+SP ("tp+sp" in `fusion` says the same)
  FusionSet fusion;
  ContextParallelKind cp_kind = ContextParallelKind::ring;
  bool flash_attention = false;
  RecomputeKind recompute = RecomputeKind::none;
  int zero_stage = 0;  // 0-3 (ZeRO / distributed optimizer / FSDP)
  // Gradients all-reduced per layer as soon as they are complete (Megatron's
  // --overlap-grad-reduce, DDP buckets of one layer), or per stage at the schedule's sync point.
  bool overlap_grad_reduce = true;
  OptimizerKind optimizer = OptimizerKind::adam;
  LoweringMode compute_lowering = LoweringMode::standard;
  CollectiveAlgorithm tp_algorithm = CollectiveAlgorithm::automatic;
  CollectiveAlgorithm dp_algorithm = CollectiveAlgorithm::automatic;
  CollectiveAlgorithm ep_algorithm = CollectiveAlgorithm::automatic;
  CollectiveAlgorithm cp_algorithm = CollectiveAlgorithm::automatic;
  BoundaryMode boundary = BoundaryMode::megatron;
  // false: tensor-parallel communication is already inside the compute costs (profiles measured
  // at that TP degree), none is simulated.
  bool tp_communication = true;
  // One op per stage action where nothing communicates between blocks (fewer ops); false: one
  // op per block always.
  bool merge_blocks = true;
};

// The compute of one block part on one rank.
struct BlockCost {
  KernelList kernels;
  double seconds = 0;
};

// Where compute costs come from: kernels on each rank's hardware (KernelCosts), or measured
// profiles (the planner's).
class StepCosts {
 public:
  virtual ~StepCosts() = default;
  // `layer`: the model layer of an attention, MLP or MoE block (-1 for embedding and LM head).
  virtual BlockCost block(int rank, LayerBlock block, int layer, LayerPass pass, BlockPart part) const = 0;
  // The optimizer step over `parameters` held by the rank (their state sharded or not).
  virtual BlockCost optimizer(int rank, double parameters, double state_bytes_per_parameter) const = 0;
  // Ranks with the same identity cost the same (they may share a program).
  virtual const void* identity(int rank) const = 0;
  // False: a backward is one op (profiles without an input/weight-gradient split).
  virtual bool splits_backward() const { return true; }
  // Extra work before each forward on the first stage and after each forward on the last
  // (the planner's batch generator and loss/sync times); none by default.
  virtual BlockCost before_first_forward(int rank) const { return {}; }
  virtual BlockCost after_last_forward(int rank) const { return {}; }
  // Gradient bytes of a block on the rank, when the source knows them better than the model
  // shape does (the planner's profiles); none: from the model.
  virtual std::optional<double> gradient_bytes(int rank, LayerBlock block, int layer) const { return {}; }
};

// Kernels (workloads/transformer_kernels.hpp) on each rank's cost model, memoised per model.
class KernelCosts final : public StepCosts {
 public:
  KernelCosts(const ModelSpec& model, LayerSharding sharding, std::function<const ComputeCostModel&(int rank)> model_of,
              std::function<int(int rank)> samples_of);
  BlockCost block(int rank, LayerBlock block, int layer, LayerPass pass, BlockPart part) const override;
  BlockCost optimizer(int rank, double parameters, double state_bytes_per_parameter) const override;
  const void* identity(int rank) const override;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// What a scenario's [schedule] table chooses.
struct PipelineSpec {
  ScheduleOptions schedule;  // kind, chunks, pipes_per_direction, extend (stages, micro-batches: the plan's)
  MemoryOptions memory;
};

// Bytes of one activation tensor [micro_batch x sequence x hidden]: the tensor-parallel
// all-reduce size.
double activation_bytes(const ModelSpec& m);

struct StepInput {
  ModelSpec model;
  StepLayout layout;
  ScheduleOptions schedule;  // kind, chunks, ...; stages = layout.workers(), micro-batches per worker
  StepOptions options;
  const StepCosts* costs = nullptr;
  // Layer ranges of the model stages; empty: balanced by compute (partition_layers).
  StagePartition partition;
};

// A micro-batch's activations of one stage, live from the start of op `first` to the end of
// op `last` (the F's first compute op, the B's or W's last).
struct LiveActivation {
  OpIndex first = 0, last = 0;
  double bytes = 0;
};

inline constexpr OpIndex kNoOptimizer = 0xffffffffu;

struct TrainingStep {
  PipelineSchedule schedule;
  StagePartition partition;
  std::vector<double> stage_seconds;  // forward + backward of one micro-batch per stage (rank 0's costs)
  std::vector<StageMemory> stages;
  std::vector<Program> programs;                               // [rank]
  std::vector<std::vector<LiveActivation>> live_activations;  // [rank]
  std::vector<OpIndex> optimizer_op;                           // [rank]; kNoOptimizer for a relay
  std::vector<WorkerMemory> rank_memory;  // [rank] state and working bytes; peak_activations left 0
  int roles = 0;                          // distinct op lists
};

// Throws std::invalid_argument when the plan and schedule do not fit (the scenario reader
// reports these as input errors first).
TrainingStep lower_training_step(const StepInput& in);

// The schedule options a plan implies (stages = pp, micro-batches = micro_batches).
ScheduleOptions schedule_options_for(const ParallelPlan& plan, const ScheduleOptions& chosen);

// Ranks holding model stage `stage` with the tensor-parallel index of `rank`, ascending.
std::vector<int> stage_replica_group(const StepLayout& layout, const PipelineSchedule& s, int stage, int rank);

// Per-layer forward + backward seconds of the dense layers, and the embedding / LM-head
// extras, on one cost model: the partitioner's and the pipeline model's inputs.
struct LayerCosts {
  double layer = 0, embedding = 0, lm_head = 0;                  // forward + backward (+ recompute)
  double layer_forward = 0, embedding_forward = 0, lm_head_forward = 0;
  double layer_weight = 0, embedding_weight = 0, lm_head_weight = 0;  // weight-gradient parts
};
LayerCosts layer_costs(const ModelSpec& m, int tp, const ComputeCostModel& model, bool recompute);

}  // namespace chimera
