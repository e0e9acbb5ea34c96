// The Python module: `import chimera_sim` (README "Python"). Every function returns what the
// matching command prints with --json, as Python dicts and lists, so a notebook with pandas can
// drive runs and sweeps. Each simulation runs in a forked child (SimGrid allows one engine per
// process), so a session can call run() as often as it likes. Bad input raises ValueError with
// the command line's one-line message.
#include <fmt/format.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <filesystem>
#include <sstream>
#include <toml++/toml.h>

#include "common/input_error.hpp"
#include "common/text_file.hpp"
#include "common/units.hpp"
#include "compute/cost_model.hpp"
#include "compute/hardware_preset.hpp"
#include "study/collective_run.hpp"
#include "study/isolated_run.hpp"
#include "study/process_pool.hpp"
#include "study/progress.hpp"
#include "study/report.hpp"
#include "study/scenario_run.hpp"
#include "study/sweep.hpp"

namespace py = pybind11;
using namespace chimera;

namespace {

py::object to_python(const nlohmann::json& j) { return py::module_::import("json").attr("loads")(j.dump()); }

// Overrides are dotted keys of the scenario ("parallel.tp": 4), as in a sweep's axes.
void apply_override(toml::table& table, const std::string& key, const py::handle& value) {
  toml::table* t = &table;
  std::string rest = key;
  for (auto dot = rest.find('.'); dot != std::string::npos; dot = rest.find('.')) {
    const std::string part = rest.substr(0, dot);
    rest = rest.substr(dot + 1);
    if (!t->contains(part)) t->insert(part, toml::table{});
    t = (*t)[part].as_table();
    if (!t) throw InputError({"overrides"}, key, fmt::format("'{}' is not a table in the scenario", part));
  }
  if (py::isinstance<py::bool_>(value)) t->insert_or_assign(rest, value.cast<bool>());
  else if (py::isinstance<py::int_>(value)) t->insert_or_assign(rest, value.cast<std::int64_t>());
  else if (py::isinstance<py::float_>(value)) t->insert_or_assign(rest, value.cast<double>());
  else if (py::isinstance<py::str>(value)) t->insert_or_assign(rest, value.cast<std::string>());
  else throw InputError({"overrides"}, key, "must be a bool, int, float or str");
}

Scenario scenario_from(const std::string& path_or_text, const py::dict& overrides) {
  std::error_code ec;
  const bool is_file = path_or_text.find('\n') == std::string::npos && std::filesystem::is_regular_file(path_or_text, ec);
  const std::string name = is_file ? path_or_text : "<text>";
  if (overrides.empty()) return is_file ? load_scenario(path_or_text) : parse_scenario(path_or_text, name);
  const std::string text = is_file ? read_text_file(path_or_text, "scenario") : path_or_text;
  toml::table table;
  try {
    table = toml::parse(text, name);
  } catch (const toml::parse_error& e) {
    throw InputError({name, int(e.source().begin.line), int(e.source().begin.column)}, "",
                     fmt::format("TOML syntax error: {}", e.description()));
  }
  for (const auto& [k, v] : overrides) apply_override(table, py::str(k).cast<std::string>(), v);
  std::ostringstream out;
  out << table;
  return parse_scenario(out.str(), name);
}

template <class F>
auto translating(F&& f) {
  try {
    return f();
  } catch (const InputError& e) {
    throw py::value_error(e.what());
  } catch (const std::invalid_argument& e) {
    throw py::value_error(e.what());
  }
}

}  // namespace

PYBIND11_MODULE(chimera_sim, m) {
  m.doc() = "chimera-sim: simulate hybrid-parallel LLM training on SimGrid (README.md, section Python)";
  progress_settings().enabled = false;  // a library prints nothing

  m.def(
      "run",
      [](const std::string& scenario, py::dict overrides) {
        return translating([&] {
          Scenario s = scenario_from(scenario, overrides);
          return to_python(run_isolated([&] {
            ScenarioRun r = run_scenario(s);
            return report_json(s, r);
          }));
        });
      },
      py::arg("scenario"), py::arg("overrides") = py::dict(),
      "Run a scenario (a file path or TOML text) with optional dotted-key overrides "
      "({'parallel.tp': 4}); returns the dict `chimera-sim run --json` prints.");

  m.def(
      "sweep",
      [](const std::string& path, int jobs) {
        return translating([&] {
          SweepSpec s = load_sweep(path);
          std::vector<std::size_t> points(s.point_count());
          for (std::size_t i = 0; i < points.size(); ++i) points[i] = i;
          std::vector<nlohmann::json> rows(points.size());
          std::string failure;
          run_jobs(points, jobs, [&](std::size_t i) { return evaluate_point(s, sweep_point(s, i)); },
                   [&](std::size_t i, const JobOutcome& o) {
                     if (!o.ok) {
                       failure = fmt::format("point {}: {}", i, o.error);
                       return false;
                     }
                     const SweepPoint p = sweep_point(s, i);
                     nlohmann::json row = {{"point", i}};
                     for (std::size_t a = 0; a < s.axes.size(); ++a) row[s.axes[a].name] = p.labels[a];
                     for (const auto& c : result_columns(s.kind)) row[c] = o.result.at(c);
                     rows[i] = std::move(row);
                     return true;
                   });
          if (!failure.empty()) throw InputError({path}, "", failure);
          return to_python(nlohmann::json(rows));
        });
      },
      py::arg("path"), py::arg("jobs") = 1,
      "Run every point of a sweep file; returns its rows (the CSV's columns) as a list of dicts, "
      "ready for pandas.DataFrame.");

  m.def(
      "collective",
      [](const std::string& op, const std::string& ranks, const std::string& platform, const std::string& sizes,
         const std::string& algorithm, const std::string& network_model, const std::string& granularity) {
        return translating([&] {
          CollectiveRequest q;
          q.op = op, q.ranks = ranks, q.platform = platform, q.algo = algorithm, q.network = network_model;
          q.granularity = granularity;
          q.sizes = parse_byte_sweep(sizes);
          return to_python(run_collective_request(q));
        });
      },
      py::arg("op"), py::arg("ranks"), py::arg("platform"), py::arg("sizes") = "1MiB", py::arg("algorithm") = "auto",
      py::arg("network_model") = "CM02", py::arg("granularity") = "step",
      "Time one collective over sizes; returns the dict `chimera-sim collective --json` prints.");

  m.def(
      "gemm",
      [](const std::string& preset, std::int64_t m_, std::int64_t n, std::int64_t k, std::int64_t batch,
         int bytes_per_element, const std::string& model) {
        return translating([&] {
          const HardwarePreset p = load_hardware_preset(preset);
          auto cost = make_cost_model(model.empty() ? default_compute_model() : model, p);
          const double seconds = cost->gemm_seconds(m_, n, k, batch, bytes_per_element);
          const double flops = 2.0 * double(m_) * double(n) * double(k) * double(batch);
          return to_python({{"preset", preset},
                            {"m", m_}, {"n", n}, {"k", k}, {"batch", batch},
                            {"seconds", seconds},
                            {"flops", flops},
                            {"flops_per_s", seconds > 0 ? flops / seconds : 0.0},
                            {"model", cost->describe()}});
        });
      },
      py::arg("preset"), py::arg("m"), py::arg("n"), py::arg("k"), py::arg("batch") = 1, py::arg("bytes_per_element") = 2,
      py::arg("model") = "",
      "Time of batch x ([m x k] * [k x n]) on a hardware preset's cost model (model: auto, gpu, systolic, roofline).");
}
