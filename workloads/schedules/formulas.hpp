#pragma once
// Closed-form bubble ratios of the schedules (shared/reference/pipeline-schedules.md §3), for
// printing next to a simulated timeline. Bubble ratio = idle time of a worker / iteration
// time, before gradient sync.
#include <optional>
#include <string>

#include "workloads/schedules/schedule.hpp"
#include "workloads/schedules/unit_executor.hpp"

namespace chimera {

struct BubbleFormula {
  double value = 0;
  std::string expression;  // "(D-2)/(2N+D-2)"
  std::string condition;   // when it holds exactly, e.g. "T_F = T_B"; empty: always
  bool applies = true;     // false when the given times violate the condition
};

// Times as for execute_unit_time (for split schedules `backward` is the input-gradient part).
std::optional<BubbleFormula> bubble_formula(const ScheduleOptions& o, const UnitTimes& t);

}  // namespace chimera
