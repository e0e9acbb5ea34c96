#pragma once
// Validation of a pipeline schedule, and its combined dependency graph (Boost.Graph).
//
// Nodes are all actions of all workers. Edges: each worker's order; a compute action's data
// dependencies (F(s) after F(s-1) — through the receive when the stages sit on different
// workers —, B(s) after F(s) and B(s+1), W(s) after B(s)); a send after the compute that
// produced its data; a receive after its send; a gradient sync after every backward of its
// stage on that worker. A valid schedule has every F/B (and W) of every micro-batch exactly
// once on the worker its pipe maps the stage to, every receive matched by one send in the
// same FIFO position of its channel, every held stage synced once, and an acyclic graph.
// Anything else is reported as InvalidSchedule naming the actions (for a cycle: the cycle).
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "workloads/schedules/schedule.hpp"

namespace chimera {

struct InvalidSchedule : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct ScheduleGraph {
  std::vector<std::uint32_t> offset;                 // [worker] -> node id of its first action
  std::vector<std::int32_t> worker_of;               // [node] -> worker
  std::vector<std::vector<std::uint32_t>> deps;      // [node] -> dependencies besides worker order
  std::vector<std::uint32_t> topological_order;      // all nodes, dependencies first

  std::uint32_t node(int worker, std::size_t index) const { return offset[worker] + static_cast<std::uint32_t>(index); }
  std::size_t index_in_worker(std::uint32_t node) const { return node - offset[worker_of[node]]; }
};

// Throws InvalidSchedule.
ScheduleGraph build_schedule_graph(const PipelineSchedule& s);
inline void validate_schedule(const PipelineSchedule& s) { (void)build_schedule_graph(s); }

}  // namespace chimera
