#pragma once
// Pictures of a unit-time schedule run: an ASCII grid (one column per time quantum, a label
// where an action starts, "==" while it continues, "." when idle) and an SVG drawing.
#include <string>

#include "workloads/schedules/schedule.hpp"
#include "workloads/schedules/unit_executor.hpp"

namespace chimera {

// Wide timelines (more than `max_columns` quanta) fall back to one character per column
// (F, B, W or .), each column covering several quanta.
std::string ascii_timeline(const PipelineSchedule& s, const ScheduleTimeline& t, int max_columns = 160);

// `title` goes above the drawing.
std::string svg_timeline(const PipelineSchedule& s, const ScheduleTimeline& t, const std::string& title);

}  // namespace chimera
