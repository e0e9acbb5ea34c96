#pragma once
// Helpers shared by the schedule generators (internal to workloads/schedules/).
#include "workloads/schedules/schedule.hpp"

namespace chimera::schedule_detail {

inline Action compute_action(ActionType t, int pipe, int stage, int micro_batch) {
  Action a;
  a.type = t, a.pipe = static_cast<std::uint16_t>(pipe), a.stage = stage, a.micro_batch = micro_batch;
  return a;
}

// A schedule with one pipe: stage s on worker worker_of_stage[s], micro-batches 0..N-1.
PipelineSchedule single_pipe_schedule(const ScheduleOptions& o, std::vector<int> worker_of_stage);

// Inserts a gradient_sync for each stage a worker holds right after the last action that
// completes that stage's gradients (its last B, or last W when the backward is split).
void insert_syncs_after_last_backward(PipelineSchedule& s);

}  // namespace chimera::schedule_detail
