#pragma once
// Executes a pipeline schedule with given unit times (no engine): every worker runs its
// actions strictly in order, each as soon as the worker is free and its dependencies are done
// (ASAP list scheduling, as the reference runtime: asynchronous sends, blocking receives).
// Sends and gradient syncs take no worker time; a receive completes `transfer` after its
// send. Gives the timeline, bubble ratios, peak in-flight activations and the critical path.
#include <vector>

#include "workloads/schedules/schedule.hpp"
#include "workloads/schedules/validate.hpp"

namespace chimera {

struct UnitTimes {
  double forward = 1;   // F of a full worker stage (L/D layers) for one micro-batch
  double backward = 2;  // B (for split schedules: the input-gradient part only)
  double weight = 0;    // W (split schedules)
  double transfer = 0;  // from a send to the completion of its receive
};

struct ActionTiming {
  double start = 0, end = 0;
};

struct CriticalPath {
  int forwards = 0, backwards = 0, weights = 0, transfers = 0;
};

struct ScheduleTimeline {
  std::vector<std::vector<ActionTiming>> timings;  // [worker][action]
  double iteration_time = 0;                       // end of the last compute action
  std::vector<double> busy;                        // [worker] compute time
  std::vector<double> bubble;                      // [worker] idle / iteration_time
  double bubble_ratio = 0;                         // mean over workers
  std::vector<double> peak_activations;            // [worker] in units of Ma (a full stage, one micro-batch)
  CriticalPath critical;                           // ops on a longest dependency chain
};

// `graph` must come from build_schedule_graph(s). Stage actions of interleaved schedules last
// their fraction (1/v) of the given times.
ScheduleTimeline execute_unit_time(const PipelineSchedule& s, const ScheduleGraph& graph, const UnitTimes& t);

// Peak over the timeline of the activations a worker holds: a micro-batch's activations of a
// stage are live from the start of its F to the end of its B (W when the backward is split).
// `bytes_per_stage[s]`: activation size of one micro-batch at model stage s.
std::vector<double> peak_live_activations(const PipelineSchedule& s, const std::vector<std::vector<ActionTiming>>& timings,
                                          const std::vector<double>& bytes_per_stage);

}  // namespace chimera
