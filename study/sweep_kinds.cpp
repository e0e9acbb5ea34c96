// How each kind of sweep point maps its parameters to a run, and which columns it produces.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <sstream>

#include "study/collective_run.hpp"
#include "study/fusion_run.hpp"
#include "study/report.hpp"
#include "study/scenario_run.hpp"
#include "study/sweep.hpp"
#include "common/toml_reader.hpp"
#include "common/text_file.hpp"
#include "common/units.hpp"

namespace chimera {
namespace {

namespace fs = std::filesystem;

// The last value of each parameter (axes override [fixed]).
std::map<std::string, const Param*> latest(const SweepPoint& p) {
  std::map<std::string, const Param*> m;
  for (const Param& q : p.params) m[q.key] = &q;
  return m;
}

std::string resolve(const SweepSpec& s, const std::string& path) {
  if (fs::path(path).is_absolute()) return path;
  return (fs::path(s.file).parent_path() / path).lexically_normal().string();
}

InputError at(const Param& p, const std::string& problem, const std::string& valid = {}) {
  return InputError(p.where, p.key, problem, valid);
}

std::string text(const Param& p) {
  if (const auto* s = std::get_if<std::string>(&p.value)) return *s;
  throw at(p, "must be a string");
}
double number(const Param& p) {
  if (const auto* i = std::get_if<std::int64_t>(&p.value)) return double(*i);
  if (const auto* d = std::get_if<double>(&p.value)) return *d;
  throw at(p, "must be a number");
}
int integer(const Param& p) {
  if (const auto* i = std::get_if<std::int64_t>(&p.value)) return int(*i);
  throw at(p, "must be an integer");
}
double bytes(const Param& p) {
  if (const auto* s = std::get_if<std::string>(&p.value)) {
    try {
      return parse_bytes(*s);
    } catch (const std::invalid_argument& e) {
      throw at(p, e.what());
    }
  }
  return number(p);
}

// Options named in errors ("--pair") map back to the parameter that set them.
template <class F>
auto with_locations(const std::map<std::string, const Param*>& params, const std::string& file, F&& f) {
  try {
    return f();
  } catch (const InputError& e) {
    std::string key = e.key();
    if (key.rfind("--", 0) == 0) key = key.substr(2);
    for (char& c : key)
      if (c == '-') c = '_';
    if (key == "network_model") key = "network_model";
    auto it = params.find(key);
    if (it != params.end()) throw InputError(it->second->where, it->first, e.problem(), e.valid());
    if (e.where().file.empty()) throw InputError({file}, e.key(), e.problem(), e.valid());
    throw;
  }
}

FusionRequest fusion_request(const SweepSpec& s, const SweepPoint& p) {
  auto params = latest(p);
  FusionRequest q;
  for (const auto& [key, param] : params) {
    const Param& v = *param;
    if (key == "pair") q.pair_text = text(v);
    else if (key == "bytes") q.bytes = bytes(v);
    else if (key == "platform") q.platform = resolve(s, text(v));
    else if (key == "groups") q.groups = text(v);
    else if (key == "case") q.case_name = text(v);
    else if (key == "ppsp_volume") q.ppsp_volume = text(v);
    else if (key == "top_k") q.top_k = integer(v);
    else if (key == "algo") q.algorithm = text(v);
    else if (key == "network_model") q.network = text(v);
    else if (key == "granularity") q.granularity = text(v);
    else if (key == "reduction_cost") q.reduction_seconds_per_byte = number(v);
    else if (key == "payload_efficiency") q.payload_efficiency = number(v);
    else
      throw at(v, "unknown parameter for kind fusion",
               "pair, bytes, platform, groups, case, ppsp_volume, top_k, algo, network_model, granularity, "
               "reduction_cost, payload_efficiency");
  }
  if (!params.count("platform")) throw InputError({s.file}, "platform", "every fusion point needs a platform");
  return q;
}

CollectiveRequest collective_request(const SweepSpec& s, const SweepPoint& p) {
  auto params = latest(p);
  CollectiveRequest q;
  for (const auto& [key, param] : params) {
    const Param& v = *param;
    if (key == "op") q.op = text(v);
    else if (key == "algo") q.algo = text(v);
    else if (key == "ranks") q.ranks = text(v);
    else if (key == "targets") q.targets = text(v);
    else if (key == "shape") q.shape = text(v);
    else if (key == "platform") q.platform = resolve(s, text(v));
    else if (key == "bytes") q.sizes = {bytes(v)};
    else if (key == "network_model") q.network = text(v);
    else if (key == "granularity") q.granularity = text(v);
    else if (key == "reduction_cost") q.reduction_seconds_per_byte = number(v);
    else if (key == "tree_chunks") q.tree_chunks = integer(v);
    else if (key == "payload_efficiency") q.payload_efficiency = number(v);
    else
      throw at(v, "unknown parameter for kind collective",
               "op, algo, ranks, targets, shape, platform, bytes, network_model, granularity, reduction_cost, "
               "tree_chunks, payload_efficiency");
  }
  if (!params.count("platform")) throw InputError({s.file}, "platform", "every collective point needs a platform");
  return q;
}

// A scenario with the point's dotted-key overrides ("parallel.tp" = 4) applied.
Scenario scenario_for(const SweepSpec& s, const SweepPoint& p) {
  auto params = latest(p);
  auto it = params.find("scenario");
  if (it == params.end()) throw InputError({s.file}, "scenario", "every run point needs a scenario file", "scenario = \"x.toml\"");
  std::string path = resolve(s, text(*it->second));
  toml::table table;
  try {
    table = toml::parse(read_text_file(path, "scenario"), path);
  } catch (const toml::parse_error& e) {
    throw InputError({path, int(e.source().begin.line), int(e.source().begin.column)}, "",
                     fmt::format("TOML syntax error: {}", e.description()));
  }
  for (const auto& [key, param] : params) {
    if (key == "scenario") continue;
    toml::table* t = &table;
    std::string rest = key;
    for (auto dot = rest.find('.'); dot != std::string::npos; dot = rest.find('.')) {
      std::string part = rest.substr(0, dot);
      rest = rest.substr(dot + 1);
      if (!t->contains(part)) t->insert(part, toml::table{});
      t = (*t)[part].as_table();
      if (!t) throw at(*param, fmt::format("'{}' is not a table in the scenario", part));
    }
    std::visit([&](const auto& v) { t->insert_or_assign(rest, v); }, param->value);
  }
  std::ostringstream out;
  out << table;
  try {
    return parse_scenario(out.str(), path);
  } catch (const InputError& e) {
    // The override that caused it, if the key names one; otherwise the scenario's own problem.
    for (const auto& [key, param] : params)
      if (key == e.key()) throw InputError(param->where, key, e.problem(), e.valid());
    throw InputError(it->second->where, e.key(), fmt::format("in {} with this point's overrides: {}", path, e.problem()),
                     e.valid());
  }
}

// "x.xml" -> "x-ns3.xml" when that file exists.
std::optional<std::string> ns3_sibling(const std::string& xml) {
  if (xml.size() < 4 || xml.substr(xml.size() - 4) != ".xml") return std::nullopt;
  std::string candidate = xml.substr(0, xml.size() - 4) + "-ns3.xml";
  std::error_code ec;
  if (fs::is_regular_file(candidate, ec)) return candidate;
  return std::nullopt;
}

}  // namespace

SweepPoint with_network_model(const SweepSpec& s, const SweepPoint& p, const std::string& model,
                              std::optional<double> payload_efficiency) {
  SweepPoint out = p;
  const SourceLocation here{s.file};
  const bool run = s.kind == "run";
  out.params.push_back({run ? "network.model" : "network_model", ParamValue(model), here});
  if (payload_efficiency)
    out.params.push_back({run ? "network.payload_efficiency" : "payload_efficiency", ParamValue(*payload_efficiency), here});
  if (model != "ns-3") return out;
  if (run) {
    Scenario sc = scenario_for(s, p);
    if (!sc.platform.xml_file.empty())
      if (auto ns3 = ns3_sibling(sc.platform.xml_file))
        out.params.push_back({"platform.file", ParamValue(fs::absolute(*ns3).string()), here});
    return out;
  }
  auto params = latest(p);
  if (auto it = params.find("platform"); it != params.end())
    if (auto ns3 = ns3_sibling(resolve(s, text(*it->second))))
      out.params.push_back({"platform", ParamValue(fs::absolute(*ns3).string()), here});
  return out;
}

std::vector<std::string> time_metrics(const std::string& kind) {
  if (kind == "fusion") return {"baseline_s", "fused_s"};
  return {"time_s"};
}

nlohmann::json point_times(const std::string& kind, const nlohmann::json& r) {
  if (kind == "fusion") return {{"baseline_s", r["baseline_s"]}, {"fused_s", r["fused_s"]}};
  if (kind == "collective") return {{"time_s", r["time_s"]}};
  return {{"time_s", r["iteration_time_s"]}};
}

nlohmann::json point_closed_form(const SweepSpec& s, const SweepPoint& p) {
  if (s.kind != "collective") return nullptr;
  return collective_closed_form(collective_request(s, p));
}

SweepSpec single_scenario_sweep(const std::string& scenario_path) {
  SweepSpec s;
  s.file = scenario_path;
  s.kind = "run";
  s.title = scenario_path;
  s.fixed.push_back({"scenario", ParamValue(fs::path(scenario_path).filename().string()), {scenario_path}});
  validate_point(s, sweep_point(s, 0));
  return s;
}

std::vector<std::string> sweep_kinds() { return {"collective", "fusion", "run"}; }

std::vector<std::string> result_columns(const std::string& kind) {
  if (kind == "fusion")
    return {"baseline_s", "fused_s", "speedup", "baseline_Bps", "fused_Bps", "baseline_bytes_sent", "fused_bytes_sent"};
  if (kind == "collective") return {"time_s", "algbw_Bps", "busbw_Bps", "messages"};
  return {"iteration_time_s", "mean_compute_busy_s", "mean_exposed_comm_s", "mean_idle_s", "bytes_sent", "messages",
          // pipeline scenarios only (null otherwise): samples per iteration (micro-batch x
          // micro-batches x dp) over the iteration time; mean bubble; maxima over ranks
          "global_batch", "throughput_samples_per_s", "bubble_ratio", "peak_memory_bytes", "weights_bytes",
          "peak_activation_bytes", "fits_memory",
          // exposed communication spent waiting for a peer's send to start (pipeline fill)
          "mean_peer_wait_s",
          // headline metrics (report keys throughput.*, model.*): see README "Headline metrics"
          "tokens_per_s", "model_tflops_per_gpu", "mfu", "parameters", "active_parameters"};
}

void validate_point(const SweepSpec& s, const SweepPoint& p) {
  auto params = latest(p);
  if (s.kind == "fusion") return with_locations(params, s.file, [&] { validate_fusion(fusion_request(s, p)); });
  if (s.kind == "collective")
    return with_locations(params, s.file, [&] { validate_collective_request(collective_request(s, p)); });
  (void)scenario_for(s, p);
}

nlohmann::json evaluate_point(const SweepSpec& s, const SweepPoint& p) {
  if (s.kind == "fusion") {
    nlohmann::json r = run_fusion(fusion_request(s, p));
    double M = r["bytes"].get<double>();
    return {{"baseline_s", r["baseline_s"]},
            {"fused_s", r["fused_s"]},
            {"speedup", r["speedup"]},
            {"baseline_Bps", M / r["baseline_s"].get<double>()},
            {"fused_Bps", M / r["fused_s"].get<double>()},
            {"baseline_bytes_sent", r["baseline"]["bytes_sent"]},
            {"fused_bytes_sent", r["fused"]["bytes_sent"]}};
  }
  if (s.kind == "collective") {
    nlohmann::json row = run_collective_request(collective_request(s, p))["rows"][0];
    return {{"time_s", row["time_s"]}, {"algbw_Bps", row["algbw_Bps"]}, {"busbw_Bps", row["busbw_Bps"]}, {"messages", row["messages"]}};
  }
  Scenario scenario = scenario_for(s, p);
  ScenarioRun run = run_scenario(scenario);
  nlohmann::json report = report_json(scenario, run);
  const auto& t = report["totals"];
  nlohmann::json out = {{"iteration_time_s", report["iteration_time_s"]},
                        {"mean_compute_busy_s", t["mean_compute_busy_s"]},
                        {"mean_exposed_comm_s", t["mean_exposed_comm_s"]},
                        {"mean_idle_s", t["mean_idle_s"]},
                        {"bytes_sent", t["bytes_sent"]},
                        {"messages", t["messages"]},
                        {"mean_peer_wait_s", t["mean_peer_wait_s"]}};
  for (const char* c : {"global_batch", "throughput_samples_per_s", "bubble_ratio", "peak_memory_bytes", "weights_bytes",
                        "peak_activation_bytes", "fits_memory", "tokens_per_s", "model_tflops_per_gpu", "mfu",
                        "parameters", "active_parameters"})
    out[c] = nullptr;
  if (report.contains("pipeline")) {
    const auto& pl = report["pipeline"];
    const long batch = long(scenario.model.micro_batch) * scenario.parallel.micro_batches * scenario.parallel.dp;
    double weights = 0, activations = 0;
    for (const auto& r : pl["ranks"]) {
      weights = std::max(weights, r["weights_bytes"].get<double>());
      activations = std::max(activations, r["peak_activation_bytes"].get<double>());
    }
    out["global_batch"] = batch;
    out["throughput_samples_per_s"] = double(batch) / report["iteration_time_s"].get<double>();
    out["bubble_ratio"] = pl["bubble_ratio"];
    out["peak_memory_bytes"] = pl["peak_memory_bytes"];
    out["weights_bytes"] = weights;
    out["peak_activation_bytes"] = activations;
    out["fits_memory"] = pl["fits_memory"];
    out["tokens_per_s"] = report["throughput"]["tokens_per_s"];
    out["model_tflops_per_gpu"] = report["throughput"]["model_tflops_per_gpu"];
    out["mfu"] = report["throughput"]["mfu"];
    out["parameters"] = report["model"]["parameters"];
    out["active_parameters"] = report["model"]["active_parameters"];
  }
  return out;
}

}  // namespace chimera
