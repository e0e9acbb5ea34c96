#include "study/report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "study/pipeline_report.hpp"
#include "common/units.hpp"
#include "compute/hardware_preset.hpp"
#include "platforms/link_stats.hpp"
#include "platforms/ns3_tuning.hpp"
#include "version.hpp"

namespace chimera {

std::string describe_workload(const Scenario& s) {
  if (!s.workload.e2e) return s.workload.kind;
  const E2EConfig& c = *s.workload.e2e;
  return fmt::format("isca25-e2e {} {} {} on {}{}{}{}", to_string(c.pair), to_string(c.variant), to_string(c.pass),
                     c.interconnect, c.scaling ? " (64-node)" : "",
                     c.sp == SpSemantics::megatron ? ", megatron SP semantics" : "",
                     s.engine.compute_barrier ? ", compat compute barrier" : "");
}

nlohmann::json provenance(const Scenario& s, const std::string& compute_description) {
  nlohmann::json network = {{"model", network_model_name(s.network.model)},
                            {"crosstraffic", s.network.crosstraffic},
                            {"window_cap_bytes", s.network.window_cap_bytes ? nlohmann::json(*s.network.window_cap_bytes)
                                                                            : nlohmann::json(nullptr)},
                            {"payload_efficiency", s.network.payload_efficiency},
                            {"description", describe(s.network)}};
  if (s.network.model == NetworkModel::LV08)  // DESIGN.md "SimGrid, used well"
    network["warning"] =
        "LV08's factors (latency x 13.01, bandwidth x 0.97, TCP window, ACK cross-traffic) are calibrated for wide-area "
        "TCP, not NVLink or PCIe; CM02 (the default) has none";
  if (s.network.model == NetworkModel::NS3) {  // what the TCP tuning applied (platforms/ns3_tuning.hpp)
    nlohmann::json tuning = nlohmann::json::array();
    for (const Ns3Setting& t : ns3_tuning_settings())
      tuning.push_back({{"attribute", t.attribute}, {"value", t.value}, {"status", to_string(t.status)}});
    network["ns3_tuning"] = std::move(tuning);
  }
  return {{"scenario", s.file},
          {"title", s.title},
          {"version", version_string()},
          {"platform", s.platform.description},
          {"network", std::move(network)},
          {"compute", {{"preset", s.compute.preset}, {"model", s.compute.model}, {"lowering", s.compute.lowering},
                       {"description", compute_description}}},
          {"workload", describe_workload(s)},
          {"engine", {{"compute_barrier", s.engine.compute_barrier},
                      {"granularity", s.collectives.granularity == Granularity::aggregated ? "aggregated" : "step"},
                      {"local_reduction", s.collectives.local_reduction}}},
          {"schedule", s.pipeline ? nlohmann::json(describe(schedule_options_for(s.parallel, s.pipeline->schedule)))
                                  : nlohmann::json(nullptr)},
          {"model", {{"name", s.model.name},
                     {"parameters", s.model.total_parameters()},
                     {"active_parameters", s.model.total_parameters(true)},
                     {"experts", s.model.experts},
                     {"top_k", s.model.top_k},
                     {"layers", s.model.layers},
                     {"hidden", s.model.hidden},
                     {"heads", s.model.heads},
                     {"ffn_hidden", s.model.ffn_hidden},
                     {"sequence", s.model.sequence},
                     {"micro_batch", s.model.micro_batch},
                     {"vocab", s.model.vocab},
                     {"bytes_per_element", s.model.bytes_per_element}}},
          {"parallel", {{"tp", s.parallel.tp},
                        {"pp", s.parallel.pp},
                        {"dp", s.parallel.dp},
                        {"sp", s.parallel.sp},
                        {"ep", s.parallel.ep},
                        {"micro_batches", s.parallel.micro_batches},
                        {"sequence_parallel", s.parallel.sequence_parallel},
                        {"sp_kind", to_string(s.sp_kind)},
                        {"global_batch", s.global_batch},
                        {"gpus", s.ranks()}}},
          {"fusion", s.fusion.describe()},
          {"fusion_variant", s.fusion.empty() ? "none" : s.fusion_baseline ? "baseline" : "fused"},
          {"memory", {{"zero_stage", s.memory.zero_stage},
                      {"recompute", to_string(s.memory.recompute)},
                      {"flash_attention", s.memory.flash_attention}}}};
}

// Tokens per second, model TFLOP/s per GPU and MFU: model FLOPs (ModelSpec::model_flops_per_token,
// 6 x active matmul parameters + attention, per token) over the iteration, per GPU, over the
// dense peak of each rank's preset.
nlohmann::json throughput_json(const Scenario& s, const ScenarioRun& run) {
  const double t = run.result.makespan_s;
  const double tokens = double(s.global_batch) * s.model.sequence;
  const double flops = tokens * s.model.model_flops_per_token();
  const int gpus = static_cast<int>(run.rank_presets.size());
  double peak = 0;
  std::map<std::string, double> peaks;
  for (const auto& preset : run.rank_presets) {
    if (!peaks.count(preset)) {
      const HardwarePreset hw = load_hardware_preset(preset);
      peaks[preset] = hw.vendor_peak_flops > 0 ? hw.vendor_peak_flops : hw.peak_flops;  // the dense peak as the vendor states it
    }
    peak += peaks[preset];
  }
  const double per_gpu = t > 0 && gpus > 0 ? flops / t / gpus : 0.0;
  return {{"tokens_per_s", t > 0 ? tokens / t : 0.0},
          {"sequences_per_s", t > 0 ? s.global_batch / t : 0.0},
          {"model_flops", flops},
          {"model_tflops_per_gpu", per_gpu / 1e12},
          {"mfu", peak > 0 && t > 0 ? flops / t / peak : 0.0},
          {"peak_flops_per_gpu", gpus > 0 ? peak / gpus : 0.0}};
}

// Memory per GPU: the largest peak over ranks, whether every rank fits, and each rank's parts.
nlohmann::json memory_json(const nlohmann::json& pipeline) {
  nlohmann::json ranks = nlohmann::json::array();
  for (const auto& r : pipeline["ranks"])
    ranks.push_back({{"rank", r["rank"]},
                     {"weights_bytes", r["weights_bytes"]},
                     {"gradients_bytes", r["gradients_bytes"]},
                     {"optimizer_bytes", r["optimizer_bytes"]},
                     {"activations_bytes", r["peak_activation_bytes"]},
                     {"working_bytes", r["working_bytes"]},
                     {"peak_bytes", r["peak_memory_bytes"]},
                     {"capacity_bytes", r["memory_capacity_bytes"]},
                     {"fits", r["fits"]}});
  return {{"peak_bytes_max", pipeline["peak_memory_bytes"]}, {"fits", pipeline["fits_memory"]}, {"ranks", std::move(ranks)}};
}

nlohmann::json report_json(const Scenario& s, const ScenarioRun& run) {
  nlohmann::json ranks = nlohmann::json::array();
  double compute = 0, exposed = 0, idle = 0, comm = 0, waiting = 0;
  for (std::size_t r = 0; r < run.stats.size(); ++r) {
    const RankTimeStats& st = run.stats[r];
    ranks.push_back({{"rank", r},
                     {"host", run.result.rank_hosts[r]},
                     {"preset", run.rank_presets[r]},
                     {"compute_busy_s", st.compute_busy_s},
                     {"comm_busy_s", st.comm_busy_s},
                     {"exposed_comm_s", st.exposed_comm_s},
                     {"peer_wait_s", st.peer_wait_s},
                     {"idle_s", st.idle_s},
                     {"finish_s", st.finish_s}});
    compute += st.compute_busy_s, exposed += st.exposed_comm_s, idle += st.idle_s, comm += st.comm_busy_s;
    waiting += st.peer_wait_s;
  }
  const double n = std::max<std::size_t>(1, run.stats.size());
  std::size_t ops = 0;
  for (const auto& p : run.programs) ops += p.ops().size();
  nlohmann::json out = {{"iteration_time_s", run.result.makespan_s},
          {"totals", {{"compute_busy_s", compute},
                      {"comm_busy_s", comm},
                      {"exposed_comm_s", exposed},
                      {"peer_wait_s", waiting},
                      {"idle_s", idle},
                      {"mean_compute_busy_s", compute / n},
                      {"mean_exposed_comm_s", exposed / n},
                      {"mean_peer_wait_s", waiting / n},
                      {"mean_idle_s", idle / n},
                      {"ops", ops},
                      {"messages", run.result.messages_sent},
                      {"bytes_sent", run.result.bytes_sent}}},
          {"ranks", std::move(ranks)},
          {"collectives", collectives_json(run.collectives)},
          {"inputs", provenance(s, run.compute_description)}};
  // What ran: the presets of the ranks (the platform's, or the scenario's where it overrides).
  std::set<std::string> ran(run.rank_presets.begin(), run.rank_presets.end());
  std::string presets;
  for (const auto& p : ran) presets += (presets.empty() ? "" : ", ") + p;
  auto& compute_inputs = out["inputs"]["compute"];
  compute_inputs["scenario_preset"] = s.compute.preset_given ? nlohmann::json(s.compute.preset) : nlohmann::json(nullptr);
  compute_inputs["override_platform_presets"] = s.compute.override_platform_presets;
  if (!presets.empty()) compute_inputs["preset"] = presets;
  // Opt-in ([output] link_stats = true); the 1000 busiest links at most.
  if (run.result.link_stats) out["link_stats"] = link_stats_json(*run.result.link_stats, 1000);
  if (run.pipeline) {
    out["pipeline"] = pipeline_report_json(s, run);
    out["global_batch"] = s.global_batch;
    out["model"] = {{"parameters", s.model.total_parameters()}, {"active_parameters", s.model.total_parameters(true)}};
    out["throughput"] = throughput_json(s, run);
    out["memory"] = memory_json(out["pipeline"]);
  }
  return out;
}

std::string report_text(const nlohmann::json& r) {
  const auto& in = r["inputs"];
  std::string out;
  out += fmt::format("chimera-sim report{}\n", in["title"].get<std::string>().empty() ? "" : ": " + in["title"].get<std::string>());
  out += fmt::format("  scenario   {}\n", in["scenario"].get<std::string>());
  out += fmt::format("  model      {} ({} layers, hidden {}, {} heads, sequence {}, micro-batch {}, {} B/element)\n",
                     in["model"]["name"].get<std::string>(), in["model"]["layers"].get<int>(),
                     in["model"]["hidden"].get<int>(), in["model"]["heads"].get<int>(),
                     in["model"]["sequence"].get<int>(), in["model"]["micro_batch"].get<int>(),
                     in["model"]["bytes_per_element"].get<int>());
  const auto& par = in["parallel"];
  out += fmt::format("  parallel   tp {} pp {} dp {} sp {} ep {}, {} micro-batch{}, {} GPUs ({}{})\n", par["tp"].get<int>(),
                     par["pp"].get<int>(), par["dp"].get<int>(), par["sp"].get<int>(), par["ep"].get<int>(),
                     par["micro_batches"].get<int>(), par["micro_batches"].get<int>() == 1 ? "" : "es", par["gpus"].get<int>(), in["workload"].get<std::string>(),
                     par.value("sequence_parallel", false) ? ", sequence parallel: reduce-scatter + all-gather, 1/tp stage boundaries" : "");
  if (in.value("fusion", "none") != "none")
    out += fmt::format("  fusion     {} ({})\n", in["fusion"].get<std::string>(),
                       in.value("fusion_variant", "fused") == "baseline" ? "baseline: the research's unfused communication"
                                                                          : "fused communication");
  if (in.contains("schedule") && !in["schedule"].is_null())
    out += fmt::format("  schedule   {}\n", in["schedule"].get<std::string>());
  out += fmt::format("  platform   {}\n", in["platform"].get<std::string>());
  out += fmt::format("  network    {}\n", in["network"]["description"].get<std::string>());
  if (in["network"].contains("warning")) out += fmt::format("  warning    {}\n", in["network"]["warning"].get<std::string>());
  out += fmt::format("  compute    {}{}\n", in["compute"]["description"].get<std::string>(),
                     in["compute"].value("lowering", "standard") == "standard" ? "" : ", isca25 GEMM lists");
  out += fmt::format("  version    {}\n\n", in["version"].get<std::string>());
  out += fmt::format("iteration time  {}\n", format_duration(r["iteration_time_s"].get<double>()));
  if (r.contains("throughput")) {
    const auto& t = r["throughput"];
    out += fmt::format("throughput      {:.4g} tokens/s ({} sequences of {} tokens per iteration), {:.1f} model TFLOP/s per GPU, MFU {:.1f}%\n",
                       t["tokens_per_s"].get<double>(), r["global_batch"].get<int>(), in["model"]["sequence"].get<int>(),
                       t["model_tflops_per_gpu"].get<double>(), 100 * t["mfu"].get<double>());
    out += fmt::format("model           {:.4g}B parameters, {:.4g}B active per token\n",
                       r["model"]["parameters"].get<double>() / 1e9, r["model"]["active_parameters"].get<double>() / 1e9);
    const auto& m = r["memory"];
    out += fmt::format("memory          peak {} per GPU (largest over ranks){}\n", format_bytes(m["peak_bytes_max"].get<double>()),
                       m["fits"].get<bool>() ? "" : ", EXCEEDS some GPU's capacity");
  }
  out += "\n";

  const auto& ranks = r["ranks"];
  // "of which waiting": exposed communication spent in receives whose send had not started.
  out += fmt::format("{:>5}  {:<12} {:>14} {:>14} {:>16} {:>14}\n", "rank", "host", "compute busy", "exposed comm",
                     "of which waiting", "idle");
  auto row = [&](const nlohmann::json& x) {
    out += fmt::format("{:>5}  {:<12} {:>14} {:>14} {:>16} {:>14}\n", x["rank"].get<int>(), x["host"].get<std::string>(),
                       format_duration(x["compute_busy_s"].get<double>()),
                       format_duration(x["exposed_comm_s"].get<double>()), format_duration(x["peer_wait_s"].get<double>()),
                       format_duration(x["idle_s"].get<double>()));
  };
  const std::size_t n = ranks.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (n > 32 && i == 16) {
      out += fmt::format("{:>5}  ({} more ranks)\n", "...", n - 32);
      i = n - 16;
    }
    row(ranks[i]);
  }
  const auto& t = r["totals"];
  out += fmt::format("{:>5}  {:<12} {:>14} {:>14} {:>16} {:>14}\n", "mean", "",
                     format_duration(t["mean_compute_busy_s"].get<double>()),
                     format_duration(t["mean_exposed_comm_s"].get<double>()),
                     format_duration(t["mean_peer_wait_s"].get<double>()), format_duration(t["mean_idle_s"].get<double>()));
  out += fmt::format("\n{} ops, {} messages, {} sent over the network\n", t["ops"].get<std::size_t>(),
                     t["messages"].get<std::uint64_t>(), format_bytes(t["bytes_sent"].get<double>()));
  if (r.contains("collectives") && !r["collectives"].empty()) out += "\n" + collectives_text(r["collectives"]);
  if (r.contains("link_stats")) out += "\n" + link_stats_text(r["link_stats"], r["iteration_time_s"].get<double>());
  if (r.contains("pipeline")) out += "\n" + pipeline_report_text(r["pipeline"]);
  return out;
}

std::string report_csv(const nlohmann::json& r) {
  std::string out = "rank,host,preset,compute_busy_s,comm_busy_s,exposed_comm_s,idle_s,finish_s,peer_wait_s\n";
  for (const auto& x : r["ranks"])
    out += fmt::format("{},{},{},{:.17g},{:.17g},{:.17g},{:.17g},{:.17g},{:.17g}\n", x["rank"].get<int>(),
                       x["host"].get<std::string>(), x["preset"].get<std::string>(), x["compute_busy_s"].get<double>(),
                       x["comm_busy_s"].get<double>(), x["exposed_comm_s"].get<double>(), x["idle_s"].get<double>(),
                       x["finish_s"].get<double>(), x["peer_wait_s"].get<double>());
  return out;
}

}  // namespace chimera
