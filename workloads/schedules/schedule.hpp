#pragma once
// Pipeline schedules as data: for every worker of one pipeline replica, the ordered list of
// actions it performs in one training iteration — forward (F), backward (B; input-gradient
// only when the schedule splits the backward), weight-gradient (W), the point-to-point
// sends and receives between stages, and gradient-synchronisation points.
//
// A schedule has one or more pipes. A pipe maps each model stage to a worker and carries a
// set of micro-batches through the stages in FIFO order. GPipe, 1F1B, ZB-H1, PipeDream and
// interleaved have one pipe (interleaved: stage c*D + w on worker w, looping placement); Chimera
// has 2f pipes, f "down" (stage s on worker (s + shift) mod D) and f "up" (mirrored); GEMS has
// one down and one up pipe. Model stage s is the same set of layers in every pipe; its
// replicas' gradients are all-reduced together.
//
// PipeDream and PipeDream-2BW are asynchronous (no flush): their schedule is one steady-state
// period (see `steady_state`).
//
// Generators live in gpipe_1f1b.cpp, interleaved.cpp, chimera.cpp, gems.cpp and pipedream.cpp;
// validation in
// validate.hpp; the unit-time executor in unit_executor.hpp. Engine-free.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace chimera {

enum class ScheduleKind : std::uint8_t { gpipe, one_f_one_b, interleaved, chimera, zb_h1, gems, pipedream, pipedream_2bw };
enum class ChimeraExtend : std::uint8_t { concat, doubling };

const char* to_string(ScheduleKind k);
const char* to_string(ChimeraExtend e);
std::optional<ScheduleKind> parse_schedule_kind(const std::string& s);
std::optional<ChimeraExtend> parse_chimera_extend(const std::string& s);
extern const char* const kScheduleKindChoices;  // "gpipe, 1f1b, interleaved, chimera, zb-h1, gems, pipedream, pipedream-2bw"

struct ScheduleOptions {
  ScheduleKind kind = ScheduleKind::one_f_one_b;
  int stages = 1;               // D: workers of one pipeline replica
  int micro_batches = 1;        // N: micro-batches per worker per iteration (Chimera: N/2 each way)
  int chunks = 1;               // interleaved: v model chunks per worker
  int pipes_per_direction = 1;  // Chimera: f
  ChimeraExtend extend = ChimeraExtend::concat;  // Chimera with N > D
};

// What is wrong with a set of options, naming the option ("stages", "micro_batches",
// "chunks", "pipes_per_direction", "extend") so callers can point at a flag or a TOML key.
struct ScheduleOptionProblem {
  std::string option;
  std::string problem;
  std::string valid;
};
std::optional<ScheduleOptionProblem> check_schedule_options(const ScheduleOptions& o);

enum class ActionType : std::uint8_t {
  forward,
  backward,         // full backward, or input-gradient only when split_backward
  weight,           // weight-gradient (split backward only)
  send_activation,  // output of F(stage) to the worker of stage+1
  recv_activation,  // input of F(stage+1) from the worker of `stage`
  send_gradient,    // input-gradient of B(stage) to the worker of stage-1
  recv_gradient,    // gradient for B(stage-1) from the worker of `stage`
  gradient_sync,    // gradients of model stage `stage` are complete on this worker: all-reduce
};
bool is_compute(ActionType t);
bool is_transfer(ActionType t);

struct Action {
  ActionType type = ActionType::forward;
  std::uint16_t pipe = 0;
  std::int32_t stage = 0;  // compute/sync: its stage; send/recv: the stage that PRODUCED the data
  std::int32_t micro_batch = 0;
  std::int32_t peer = -1;  // send/recv: the other worker
  bool operator==(const Action&) const = default;
};

struct Pipe {
  char tag = 0;                       // 'd' / 'u' for Chimera's directions, 0 otherwise
  std::vector<int> worker_of_stage;   // size stage_count
  std::vector<int> micro_batches;     // ids carried by this pipe, in FIFO order
};

struct PipelineSchedule {
  ScheduleOptions options;
  int workers = 1;        // D
  int stage_count = 1;    // model stages: D, or D*v for interleaved
  bool split_backward = false;
  // Asynchronous pipelines without a flush (PipeDream, 2BW): the actions are one steady-state
  // period. A backward with micro-batch id m < 0 finishes the previous period's micro-batch
  // m + N: its forward and its backwards on later stages ran in that period, so it depends only
  // on the backwards of its id present here. Transfers whose partner runs in another period
  // are left out (their data is there when needed; their transfer time is not charged).
  bool steady_state = false;
  // PipeDream: the data-parallel replicas of a stage synchronise after every backward (each
  // carries its micro-batch id), not once per iteration.
  bool sync_every_backward = false;
  std::vector<Pipe> pipes;
  std::vector<std::vector<Action>> actions;  // [worker] -> ordered actions

  // Distinct model stages held by a worker, ascending.
  std::vector<int> stages_of(int worker) const;
  // Workers holding a model stage (any pipe), ascending.
  std::vector<int> workers_of_stage(int stage) const;
  // Fraction of a full per-worker stage (L/D layers) that one model stage is: 1/v.
  double stage_fraction() const { return 1.0 / options.chunks; }
  std::size_t action_count() const;
};

// Versions of a stage's weights a worker keeps: PipeDream stashes one per in-flight micro-batch
// (D - w on worker w), PipeDream-2BW two (double-buffered), every other schedule one.
int weight_versions(const PipelineSchedule& s, int worker);

// Generates the schedule (compute order, sends/receives, sync points). Throws
// std::invalid_argument when check_schedule_options fails.
PipelineSchedule make_schedule(const ScheduleOptions& o);

// "F0d0", "B3", "F2s5", "W1", "send F0d0->P1", "sync s3".
std::string action_label(const PipelineSchedule& s, const Action& a);
std::string worker_name(int worker);  // "P0"
// "chimera D=4 N=4 (f=1, concat)"
std::string describe(const ScheduleOptions& o);

// Used by generators: inserts receives before and sends after the compute actions whose
// neighbouring stage sits on another worker. The input holds compute and sync actions only.
void add_send_recv(PipelineSchedule& s);

// Generators (called by make_schedule; options already checked).
PipelineSchedule make_gpipe(const ScheduleOptions& o);
PipelineSchedule make_1f1b(const ScheduleOptions& o);
PipelineSchedule make_zb_h1(const ScheduleOptions& o);
PipelineSchedule make_interleaved(const ScheduleOptions& o);
PipelineSchedule make_chimera(const ScheduleOptions& o);
PipelineSchedule make_gems(const ScheduleOptions& o);
// PipeDream and PipeDream-2BW (same order; they differ in weight versions).
PipelineSchedule make_pipedream(const ScheduleOptions& o);
// Chimera by the unit-time slot rule (§2.3, §2.8), any f, direct concatenation: the generator
// for f > 1; for f = 1 it reproduces the §2.2 order (checked in tests).
PipelineSchedule make_chimera_by_slots(const ScheduleOptions& o);

}  // namespace chimera
