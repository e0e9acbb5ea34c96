#include "study/fidelity.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "study/csv.hpp"
#include "study/process_pool.hpp"
#include "study/progress.hpp"
#include "study/reference_csv.hpp"
#include "study/sweep.hpp"
#include "common/input_error.hpp"
#include "common/toml_reader.hpp"
#include "common/units.hpp"
#include "platforms/network_settings.hpp"
#include "platforms/ns3_tuning.hpp"
#include "version.hpp"

namespace chimera {
namespace {

bool is_sweep_file(const std::string& path) {
  TomlTable t = TomlTable::parse_file(path);
  return t.has("kind") && t.has("output");
}

struct Stat {
  double sum = 0, max = 0;
  int n = 0;
  void add(double x) {
    sum += x;
    max = std::max(max, x);
    ++n;
  }
  nlohmann::json json() const { return n ? nlohmann::json{{"mean", sum / n}, {"max", max}, {"points", n}} : nlohmann::json(nullptr); }
};

}  // namespace

nlohmann::json run_fidelity(const FidelityRequest& q) {
  if (q.models.empty()) throw option_error("--models", "no model", kNetworkModelChoices);
  std::vector<std::string> models;
  for (const auto& m : q.models) {
    auto parsed = parse_network_model(m);
    if (!parsed) throw option_error("--models", fmt::format("unknown model '{}'", m), kNetworkModelChoices);
    models.push_back(network_model_name(*parsed));
  }
  if (q.payload_efficiency && (*q.payload_efficiency <= 0 || *q.payload_efficiency > 1))
    throw option_error("--payload-efficiency", fmt::format("{} is outside (0, 1]", *q.payload_efficiency), "(0, 1]");
  if (q.jobs < 1) throw option_error("-j", "must be at least 1", "1, 2, ...");
  SweepSpec spec = is_sweep_file(q.target) ? load_sweep(q.target) : single_scenario_sweep(q.target);
  std::vector<std::size_t> points = q.points;
  if (points.empty())
    for (std::size_t i = 0; i < spec.point_count(); ++i) points.push_back(i);
  for (std::size_t p : points)
    if (p >= spec.point_count())
      throw option_error("--points", fmt::format("point {} does not exist", p), fmt::format("0 to {}", spec.point_count() - 1));
  std::optional<ReferenceTimes> ref;
  if (!q.reference.empty()) ref = read_reference_csv(q.reference, spec, q.clock_ghz);

  // One job per (point, model), plus the closed form of collective points.
  const std::size_t per_point = models.size() + 1;
  std::vector<std::size_t> jobs;
  for (std::size_t p = 0; p < points.size(); ++p)
    for (std::size_t m = 0; m < per_point; ++m)
      if (m < models.size() || spec.kind == "collective") jobs.push_back(p * per_point + m);
  std::map<std::size_t, JobOutcome> done;
  std::string failure;
  Progress progress("fidelity: runs", static_cast<double>(jobs.size()));
  std::size_t finished = 0;
  bool input_failure = false;
  run_jobs(
      jobs, q.jobs,
      [&](std::size_t job) -> nlohmann::json {
        SweepPoint point = sweep_point(spec, points[job / per_point]);
        const std::size_t m = job % per_point;
        if (m == models.size()) return point_closed_form(spec, point);
        return point_times(spec.kind, evaluate_point(spec, with_network_model(spec, point, models[m], q.payload_efficiency)));
      },
      [&](std::size_t job, const JobOutcome& o) {
        const std::size_t m = job % per_point;
        // A model that cannot run a point (ns-3 on a platform it cannot take) or a run past
        // --timeout is reported in its place; any other failure ends the study.
        if (!o.ok && !o.timed_out && !(o.input_error && m < models.size() && models[m] == "ns-3")) {
          failure = o.error;
          input_failure = o.input_error;
          return false;
        }
        progress.update(static_cast<double>(++finished), fmt::format("last point {} {} ({:.2f} s{})", points[job / per_point],
                                                                      m < models.size() ? models[m] : "closed form", o.wall_s, o.timed_out ? ", timed out" : ""));
        done[job] = o;
        return true;
      });
  if (!failure.empty()) {
    if (input_failure) throw InputError({q.target}, "", failure);
    throw std::runtime_error(failure);
  }

  const auto metrics = time_metrics(spec.kind);
  std::map<std::string, Stat> diff_to_first, ref_error, closed_error;
  std::map<std::string, double> wall;
  std::map<std::string, int> runs;  // points each model ran (not unavailable, not timed out)
  std::map<std::string, std::pair<int, int>> speedups;  // preserved, compared
  nlohmann::json rows = nlohmann::json::array();
  for (std::size_t p = 0; p < points.size(); ++p) {
    SweepPoint point = sweep_point(spec, points[p]);
    nlohmann::json labels = nlohmann::json::object();
    for (std::size_t a = 0; a < spec.axes.size(); ++a) labels[spec.axes[a].name] = point.labels[a];
    nlohmann::json per_model = nlohmann::json::object();
    std::optional<nlohmann::json> first;
    for (std::size_t m = 0; m < models.size(); ++m) {
      const JobOutcome& o = done.at(p * per_point + m);
      if (o.timed_out) {
        per_model[models[m]] = {{"timed_out", o.error}, {"wall_s", o.wall_s}};
        continue;
      }
      if (!o.ok) {
        per_model[models[m]] = {{"unavailable", o.error}, {"wall_s", o.wall_s}};
        continue;
      }
      nlohmann::json r = o.result;
      r["wall_s"] = o.wall_s;
      wall[models[m]] += o.wall_s;
      runs[models[m]] += 1;
      if (!first) first = o.result;
      for (const auto& k : metrics) {
        double ours = o.result[k].get<double>(), base = (*first)[k].get<double>();
        double d = base > 0 ? ours / base - 1 : 0;
        r["rel_diff_to_first_" + k] = d;
        if (m > 0) diff_to_first[models[m]].add(std::fabs(d));
      }
      if (spec.kind == "fusion") r["speedup"] = o.result["baseline_s"].get<double>() / o.result["fused_s"].get<double>();
      per_model[models[m]] = r;
    }
    nlohmann::json row = {{"point", points[p]}, {"labels", labels}, {"models", per_model}};
    if (spec.kind == "collective") {
      const JobOutcome& o = done.at(p * per_point + models.size());
      row["closed_form_s"] = o.result;
      if (!o.result.is_null())
        for (const auto& m : models)
          if (per_model[m].contains("time_s"))
            closed_error[m].add(std::fabs(per_model[m]["time_s"].get<double>() / o.result.get<double>() - 1));
    }
    if (ref && ref->times.count(points[p])) {
      const auto& t = ref->times.at(points[p]);
      nlohmann::json rj = nlohmann::json::object();
      for (const auto& [k, v] : t) rj[k] = v;
      nlohmann::json ratios = nlohmann::json::object();
      for (const auto& m : models) {
        if (!per_model[m].contains(metrics.front())) continue;
        nlohmann::json rm = nlohmann::json::object();
        for (const auto& [k, v] : t) {
          double r = per_model[m][k].get<double>() / v;
          rm[k] = r;
          ref_error[m].add(std::fabs(r - 1));
        }
        if (spec.kind == "fusion" && t.count("baseline_s") && t.count("fused_s")) {
          double ref_speedup = t.at("baseline_s") / t.at("fused_s");
          double ours = per_model[m]["speedup"].get<double>();
          bool preserved = (ref_speedup > 1) == (ours > 1);
          rm["reference_speedup"] = ref_speedup;
          rm["speedup_preserved"] = preserved;
          speedups[m].first += preserved;
          speedups[m].second += 1;
        }
        ratios[m] = rm;
      }
      row["reference"] = {{"times", rj}, {"ratio_to_reference", ratios}};
    }
    rows.push_back(std::move(row));
  }

  nlohmann::json summary = nlohmann::json::object();
  for (const auto& m : models) {
    nlohmann::json s = {{"wall_s", wall[m]}, {"runs", runs[m]}, {"abs_rel_diff_to_first", diff_to_first[m].json()}};
    if (spec.kind == "collective") s["abs_rel_error_to_closed_form"] = closed_error[m].json();
    if (ref) {
      s["abs_rel_error_to_reference"] = ref_error[m].json();
      if (speedups.count(m))
        s["speedups_preserved"] = {{"preserved", speedups[m].first}, {"compared", speedups[m].second}};
    }
    summary[m] = s;
  }
  nlohmann::json out = {{"target", q.target},
                        {"kind", spec.kind},
                        {"models", models},
                        {"payload_efficiency", q.payload_efficiency ? nlohmann::json(*q.payload_efficiency) : nlohmann::json("as configured")},
                        {"points", rows},
                        {"summary", summary},
                        {"version", version_string()}};
  if (ref) out["reference"] = {{"file", ref->file}, {"unit", ref->unit}, {"points", ref->times.size()}};
  // The TCP settings ns-3 ran with (platforms/ns3_tuning.hpp).
  if (std::find(models.begin(), models.end(), "ns-3") != models.end()) {
    nlohmann::json tuning = nlohmann::json::array();
    for (const Ns3Setting& t : ns3_tuning_settings())
      tuning.push_back({{"attribute", t.attribute}, {"value", t.value}, {"status", to_string(t.status)}});
    out["ns3_tuning"] = {{"description", ns3_tuning_description()}, {"settings", tuning}};
  }
  return out;
}

std::string fidelity_text(const nlohmann::json& r) {
  const auto models = r["models"].get<std::vector<std::string>>();
  std::string out = fmt::format("fidelity of {} ({} points), {}\n", r["target"].get<std::string>(), r["points"].size(),
                                r["version"].get<std::string>());
  if (r.contains("reference"))
    out += fmt::format("reference {} ({})\n", r["reference"]["file"].get<std::string>(), r["reference"]["unit"].get<std::string>());
  if (r.contains("ns3_tuning")) out += fmt::format("ns-3 TCP: {}\n", r["ns3_tuning"]["description"].get<std::string>());
  out += "\n";
  const bool fusion = r["kind"] == "fusion";
  for (const auto& row : r["points"]) {
    std::string labels;
    for (const auto& [k, v] : row["labels"].items()) labels += fmt::format(" {}={}", k, v.get<std::string>());
    out += fmt::format("point {}{}\n", row["point"].get<std::size_t>(), labels);
    if (row.contains("closed_form_s") && !row["closed_form_s"].is_null())
      out += fmt::format("  {:<12} {:>14}\n", "closed form", format_duration(row["closed_form_s"].get<double>()));
    for (const auto& m : models) {
      const auto& x = row["models"][m];
      if (x.contains("timed_out")) {
        out += fmt::format("  {:<12} timed out: {}\n", m, x["timed_out"].get<std::string>());
        continue;
      }
      if (x.contains("unavailable")) {
        out += fmt::format("  {:<12} unavailable: {}\n", m, x["unavailable"].get<std::string>());
        continue;
      }
      std::string times = fusion ? fmt::format("{:>14} {:>14} speedup {:.3f}", format_duration(x["baseline_s"].get<double>()),
                                               format_duration(x["fused_s"].get<double>()), x["speedup"].get<double>())
                                 : fmt::format("{:>14}", format_duration(x["time_s"].get<double>()));
      std::string diff = fusion ? fmt::format("{:+.2f}%", 100 * x["rel_diff_to_first_baseline_s"].get<double>())
                                : fmt::format("{:+.2f}%", 100 * x["rel_diff_to_first_time_s"].get<double>());
      out += fmt::format("  {:<12} {}  vs {}: {:>8}  wall {:.3f} s", m, times, models.front(), diff, x["wall_s"].get<double>());
      if (row.contains("reference") && row["reference"]["ratio_to_reference"].contains(m)) {
        const auto& rr = row["reference"]["ratio_to_reference"][m];
        for (const auto& [k, v] : rr.items())
          if (v.is_number() && k != "reference_speedup") out += fmt::format("  {}/ref {:.3f}", k, v.get<double>());
        if (rr.contains("speedup_preserved")) out += rr["speedup_preserved"].get<bool>() ? "  speedup preserved" : "  speedup NOT preserved";
      }
      out += "\n";
    }
  }
  out += "\nsummary\n";
  for (const auto& m : models) {
    const auto& s = r["summary"][m];
    if (s["runs"].get<int>() == 0) {  // no wall time for a model that never ran
      out += fmt::format("  {:<6} not run (unavailable or timed out at every point)\n", m);
      continue;
    }
    out += fmt::format("  {:<6} wall {:.3f} s", m, s["wall_s"].get<double>());
    if (!s["abs_rel_diff_to_first"].is_null())
      out += fmt::format(", |diff| to {} mean {:.2f}% max {:.2f}%", models.front(),
                         100 * s["abs_rel_diff_to_first"]["mean"].get<double>(), 100 * s["abs_rel_diff_to_first"]["max"].get<double>());
    if (s.contains("abs_rel_error_to_closed_form") && !s["abs_rel_error_to_closed_form"].is_null())
      out += fmt::format(", vs closed form mean {:.2f}% max {:.2f}%", 100 * s["abs_rel_error_to_closed_form"]["mean"].get<double>(),
                         100 * s["abs_rel_error_to_closed_form"]["max"].get<double>());
    if (s.contains("abs_rel_error_to_reference") && !s["abs_rel_error_to_reference"].is_null())
      out += fmt::format(", vs reference mean {:.2f}% max {:.2f}%", 100 * s["abs_rel_error_to_reference"]["mean"].get<double>(),
                         100 * s["abs_rel_error_to_reference"]["max"].get<double>());
    if (s.contains("speedups_preserved"))
      out += fmt::format(", speedups preserved {}/{}", s["speedups_preserved"]["preserved"].get<int>(),
                         s["speedups_preserved"]["compared"].get<int>());
    out += "\n";
  }
  return out;
}

std::string fidelity_csv(const nlohmann::json& r) {
  const auto models = r["models"].get<std::vector<std::string>>();
  const bool fusion = r["kind"] == "fusion";
  std::vector<std::string> header = {"point"};
  for (const auto& [k, v] : r["points"][0]["labels"].items()) header.push_back(k);
  header.push_back("closed_form_s");
  for (const auto& m : models) {
    if (fusion) header.insert(header.end(), {m + ".baseline_s", m + ".fused_s"});
    else header.push_back(m + ".time_s");
    header.push_back(m + ".wall_s");
  }
  std::string out = csv_line(header);
  for (const auto& row : r["points"]) {
    std::vector<std::string> f = {std::to_string(row["point"].get<std::size_t>())};
    for (const auto& [k, v] : row["labels"].items()) f.push_back(v.get<std::string>());
    f.push_back(row.contains("closed_form_s") && !row["closed_form_s"].is_null() ? csv_number(row["closed_form_s"].get<double>()) : "");
    for (const auto& m : models) {
      const auto& x = row["models"][m];
      auto num = [&](const char* k) { return x.contains(k) ? csv_number(x[k].get<double>()) : std::string(); };
      if (fusion) f.insert(f.end(), {num("baseline_s"), num("fused_s")});
      else f.push_back(num("time_s"));
      f.push_back(num("wall_s"));
    }
    out += csv_line(f);
  }
  return out;
}

}  // namespace chimera
