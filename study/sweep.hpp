#pragma once
// Sweep files: a cartesian product of parameter axes over one kind of point (a fusion pair, a
// collective, or a whole scenario run). Each point is evaluated in its own process; results go
// to a CSV with one row per point.
//
//   schema = 1
//   kind = "fusion"                     # fusion | collective | run
//   output = "../../results/x.csv"      # relative to the sweep file
//   order = ["interconnect", "pair"]    # nesting of the axes, outermost first (default: file order of [axes] keys, sorted)
//   [fixed]                             # parameters of every point
//   case = "synthetic"
//   [axes]
//   pair = ["tp+pp", "tp+sp"]           # one parameter per axis value
//   bytes = "4KiB:32MiB"                # a size sweep expands to its sizes
//   [[axes.interconnect]]               # an axis whose values set several parameters together;
//   name = "mesh2d-5x5"                 # `name` labels the value in the CSV
//   platform = "../../platforms/isca25/mesh2d-5x5.xml"
//   groups = "mesh2d-5x5"
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/input_error.hpp"

namespace chimera {

using ParamValue = std::variant<std::int64_t, double, bool, std::string>;

struct Param {
  std::string key;
  ParamValue value;
  SourceLocation where;
};

struct AxisValue {
  std::string label;
  std::vector<Param> params;
};

struct Axis {
  std::string name;
  std::vector<AxisValue> values;
};

struct SweepSpec {
  std::string file;
  std::string title;
  std::string kind;
  std::string output;  // resolved path
  std::vector<Param> fixed;
  std::vector<Axis> axes;  // outermost first
  std::size_t point_count() const;
};

struct SweepPoint {
  std::size_t index = 0;
  std::vector<std::string> labels;  // one per axis
  std::vector<Param> params;        // fixed, then each axis value's (later ones win)
};

// Reads and validates a sweep file, including every point's parameters (InputError with the
// line of the offending value). At most kMaxSweepPoints points: each runs in a process of its
// own, and validating millions of them would keep the command busy before it ran any.
inline constexpr std::size_t kMaxSweepPoints = 65536;
SweepSpec load_sweep(const std::string& path);
// The same from text; `path` names it in errors and anchors its relative paths.
SweepSpec parse_sweep(std::string_view toml_text, const std::string& path);
SweepPoint sweep_point(const SweepSpec& s, std::size_t index);

// What a kind of point needs and produces.
std::vector<std::string> sweep_kinds();
std::vector<std::string> result_columns(const std::string& kind);
// Checks a point's parameters without running it.
void validate_point(const SweepSpec& s, const SweepPoint& p);
// Runs one point (in the calling process: call from a worker) and returns its result columns.
nlohmann::json evaluate_point(const SweepSpec& s, const SweepPoint& p);

std::string param_text(const ParamValue& v);

// For fidelity runs: the point under another network model ("CM02", "LV08", "ns-3") and
// payload efficiency; under ns-3 an XML platform is replaced by its ns-3-ready sibling
// "<name>-ns3.xml" when one exists (otherwise the loader explains why it cannot run).
SweepPoint with_network_model(const SweepSpec& s, const SweepPoint& p, const std::string& model,
                              std::optional<double> payload_efficiency);
// The times a point reports: {"baseline_s", "fused_s"} for fusion points, {"time_s"} otherwise.
std::vector<std::string> time_metrics(const std::string& kind);
nlohmann::json point_times(const std::string& kind, const nlohmann::json& result);
// The alpha-beta closed form of a collective point (null for other kinds). Starts an engine:
// call it in a child process.
nlohmann::json point_closed_form(const SweepSpec& s, const SweepPoint& p);
// A scenario file read as a sweep of one `run` point.
SweepSpec single_scenario_sweep(const std::string& scenario_path);

}  // namespace chimera
