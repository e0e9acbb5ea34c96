#pragma once
// Chimera's analytical performance model (Li & Hoefler, SC'21; shared/reference/
// pipeline-schedules.md §4):
//
//   T = (F_t + Comm_p2p) C_f + (B_t + Comm_p2p) C_b [+ W_t C_w] + max_i Comm_unoverlapped(i) + T_opt
//
// F_t, B_t (W_t): forward, backward (weight-gradient) time of the slowest stage for one
// micro-batch from the compute cost model, with Megatron's tensor-parallel all-reduces inside;
// Comm_p2p = alpha + S_act / bandwidth; C_f, C_b: forwards and backwards on the critical path
// of the zero-communication run of the schedule (workloads/schedules/unit_executor.hpp);
// Comm_unoverlapped: per worker, the stage all-reduces issued at the schedule's sync points,
// serialised on one channel, each starting when every member of its group is ready, costed
// with Rabenseifner's 2 log2(r) alpha + 2 (r-1)/r L / bandwidth; the part finishing after the
// compute is exposed. T_opt: the optimizer step. Engine-free.
#include <string>
#include <vector>

#include "compute/cost_model.hpp"
#include "workloads/model_spec.hpp"
#include "workloads/schedules/memory_model.hpp"
#include "workloads/schedules/schedule.hpp"

namespace chimera {

struct LinkCost {
  double latency_s = 0;
  double bandwidth_Bps = 0;  // 0: free
  double seconds(double bytes) const { return latency_s + (bandwidth_Bps > 0 ? bytes / bandwidth_Bps : 0.0); }
};

// Rabenseifner's all-reduce (reduce-scatter by recursive halving, all-gather by recursive
// doubling) over r ranks: 2 log2(r) alpha + 2 (r-1)/r L / bandwidth; 0 for r = 1.
double rabenseifner_allreduce_seconds(int ranks, double bytes, const LinkCost& link);

struct PipelineCandidate {
  ScheduleOptions schedule;  // kind, stages D, micro-batches N, chunks, pipes, extend
  int tp = 1;
  int dp = 1;          // W: replicas of the pipeline
  int micro_batch = 1; // B: sequences per micro-batch
  bool recompute = false;
  int gpus() const { return tp * dp * schedule.stages; }
  int mini_batch() const { return dp * schedule.micro_batches * micro_batch; }
};
std::string describe(const PipelineCandidate& c);

struct ModelInputs {
  ModelSpec model;  // micro_batch is the candidate's
  const ComputeCostModel* cost = nullptr;
  LinkCost p2p;        // neighbouring pipeline workers
  LinkCost allreduce;  // replicas of a stage (bottleneck link of the group)
  LinkCost tensor;     // inside a tensor-parallel group
  OptimizerKind optimizer = OptimizerKind::adam;
};

struct PipelineEstimate {
  double iteration_s = 0;
  double critical_path_s = 0;      // (F_t + p2p) C_f + (B_t + p2p) C_b + W_t C_w
  double exposed_allreduce_s = 0;  // max_i Comm_unoverlapped(i)
  double optimizer_s = 0;
  double forward_s = 0, backward_s = 0, weight_s = 0, p2p_s = 0;
  int critical_forwards = 0, critical_backwards = 0, critical_weights = 0;
  double bubble_ratio = 0;         // zero-communication run with F_t, B_t
  std::vector<WorkerMemory> memory;  // per worker, activation peak of the zero-communication run
  double peak_memory_bytes = 0;
  double samples_per_s() const;
  int mini_batch = 0;
};

// Throws std::invalid_argument for a candidate whose schedule options or partition are invalid.
PipelineEstimate estimate_pipeline(const PipelineCandidate& c, const ModelInputs& in);

}  // namespace chimera
