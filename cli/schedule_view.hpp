#pragma once
// A unit-time schedule run as text and JSON: shared by `chimera-sim schedule` and the
// playground.
#include <nlohmann/json.hpp>
#include <string>

#include "workloads/schedules/schedule.hpp"
#include "workloads/schedules/unit_executor.hpp"

namespace chimera {

struct ScheduleView {
  PipelineSchedule schedule;
  UnitTimes times;
  ScheduleTimeline timeline;
};

// Generates, validates and runs the schedule. Throws std::invalid_argument for bad options,
// InvalidSchedule for a schedule that fails validation.
ScheduleView view_schedule(const ScheduleOptions& o, const UnitTimes& t);

nlohmann::json schedule_view_json(const ScheduleView& v);
std::string schedule_view_text(const ScheduleView& v, int max_columns = 160);
std::string schedule_view_title(const ScheduleView& v);

}  // namespace chimera
