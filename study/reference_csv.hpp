#pragma once
// Results from another tool (a cycle-level network simulator, another simulator, measurements
// on real hardware), joined to a sweep's points for fidelity reports.
//
// Format (CSV, '#' starts a comment line):
//   - key columns named like the sweep's axes (e.g. interconnect,pair,bytes); a `fusion` sweep
//     also needs `variant` (baseline or fused); a single scenario needs no key column;
//   - one time column: `time_s` (seconds), or `time_cycles` with the clock either as a
//     `clock_ghz` column or given on the command line (--clock-ghz).
// Every row must name exactly one point of the sweep; numbers compare as numbers ("4096" and
// "4096.0" are the same size).
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "study/sweep.hpp"

namespace chimera {

struct ReferenceTimes {
  std::string file;
  std::string unit;  // "seconds" or "cycles at N GHz"
  // point index -> metric ("time_s", "baseline_s", "fused_s") -> seconds
  std::map<std::size_t, std::map<std::string, double>> times;
};

// Throws InputError (file, line, column) for a missing time column, an unknown column, a row
// that names no point or several, a bad number.
ReferenceTimes read_reference_csv(const std::string& path, const SweepSpec& sweep, std::optional<double> clock_ghz);
// The same from text; `path` names it in errors.
ReferenceTimes parse_reference_csv(std::string_view text, const std::string& path, const SweepSpec& sweep,
                                   std::optional<double> clock_ghz);

}  // namespace chimera
