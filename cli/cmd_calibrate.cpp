// chimera-sim calibrate --platform FILE -o OUT nccl-tests-output...: fits the platform's link
// efficiencies and latencies and NCCL's model parameters to measured nccl-tests runs
// (calibration/calibrate.hpp), writes the calibrated platform and prints measured against
// simulated per size, before and after.
#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "calibration/calibrate.hpp"
#include "calibration/nccl_tests.hpp"
#include "calibration/route_probe.hpp"
#include "study/collective_run.hpp"
#include "cli/commands.hpp"
#include "study/isolated_run.hpp"
#include "cli/output.hpp"
#include "common/input_error.hpp"
#include "common/units.hpp"
#include "version.hpp"

namespace chimera {
namespace {

struct CalibrateRequest {
  std::string platform;
  std::string output;
  std::vector<std::string> inputs;
  std::string test;  // forced nccl-tests binary for every input ("" = from the file)
  std::string algo = "auto";
  int rounds = 3;
  bool json = false;
};

std::string read_text(const std::string& file, const std::string& option) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw option_error(option, fmt::format("cannot open '{}'", file), "an existing file");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_atomically(const std::string& file, const std::string& text) {
  const std::string tmp = file + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary);
    if (!out) throw option_error("-o", fmt::format("cannot write '{}'", file), "a writable path");
    out << text;
  }
  std::filesystem::rename(tmp, file);
}

// Simulated time of every row of `run` on `platform`.
std::vector<double> simulate_run(const NcclTestsRun& run, const std::string& platform, const std::string& algo) {
  CollectiveRequest q;
  q.platform = platform;
  q.algo = algo;
  q.ranks = fmt::format("0-{}", run.ranks - 1);
  const CollectiveKind kind = nccl_test_collective(run.test);
  q.op = to_string(kind);
  if (kind == CollectiveKind::multicast) {  // sendrecv: rank i sends to i + 1
    q.algo = "auto";
    q.targets.clear();
    for (int i = 0; i < run.ranks; ++i) q.targets += fmt::format("{}{}", i ? "," : "", (i + 1) % run.ranks);
  }
  q.sizes.clear();
  for (const auto& r : run.rows) q.sizes.push_back(std::max(1.0, r.bytes));
  nlohmann::json out = run_collective_request(q);
  std::vector<double> t;
  for (const auto& row : out["rows"]) t.push_back(row["time_s"].get<double>());
  return t;
}

std::vector<std::vector<double>> simulate_all(const std::vector<NcclTestsRun>& runs, const std::string& platform,
                                              const std::string& algo) {
  std::vector<std::vector<double>> out;
  for (const auto& r : runs) out.push_back(simulate_run(r, platform, algo));
  return out;
}

RunRoute route_of(const std::string& platform, const NcclTestsRun& run, CollectiveAlgorithm algo) {
  nlohmann::json j = run_isolated([&] {
    RunRoute r = probe_run_route(platform, run, algo);
    return nlohmann::json{{"bottleneck_role", r.bottleneck_role},
                          {"roles", r.roles},
                          {"nvls_at_large", r.nvls_at_large},
                          {"nccl_model", r.nccl_model}};
  });
  RunRoute r;
  r.bottleneck_role = j["bottleneck_role"];
  r.roles = j["roles"].get<std::vector<std::string>>();
  r.nvls_at_large = j["nvls_at_large"];
  r.nccl_model = j["nccl_model"];
  return r;
}

double mean_abs(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += std::abs(x);
  return v.empty() ? 0 : s / v.size();
}

void run_calibrate(const CalibrateRequest& q) {
  std::optional<NcclTest> forced;
  if (!q.test.empty()) {
    NcclTest t;
    if (!parse_nccl_test(q.test, t)) throw option_error("--test", fmt::format("unknown test '{}'", q.test), kNcclTestChoices);
    forced = t;
  }
  CollectiveAlgorithm algo;
  if (!parse_collective_algorithm(q.algo, algo) ||
      (algo != CollectiveAlgorithm::automatic && algo != CollectiveAlgorithm::ring && algo != CollectiveAlgorithm::nvls))
    throw option_error("--algo", fmt::format("'{}' is not an algorithm NCCL runs here", q.algo), "auto, ring, nvls");
  if (q.rounds < 1 || q.rounds > 10) throw option_error("--rounds", fmt::format("{} rounds", q.rounds), "1 to 10");
  const std::string xml = read_text(q.platform, "--platform");
  std::vector<NcclTestsRun> runs;
  for (const auto& f : q.inputs) runs.push_back(read_nccl_tests(f, forced));

  std::vector<RunRoute> routes;
  for (const auto& r : runs) routes.push_back(route_of(q.platform, r, algo));
  const auto before = simulate_all(runs, q.platform, q.algo);

  const PlatformParameters original = read_parameters(xml);
  PlatformParameters current = original;
  std::vector<std::vector<double>> simulated = before;
  std::vector<FitStep> steps;
  const std::string round_file = q.output + ".round.xml";
  std::string calibrated = xml;
  const std::string note = fmt::format(
      "Calibrated by chimera-sim calibrate ({}) from {} against nccl-tests output:\n  {}\nSee calibration/calibrate.hpp "
      "for what is fitted and how.",
      version_string(), q.platform, [&] {
        std::string s;
        for (const auto& f : q.inputs) s += (s.empty() ? "" : "\n  ") + f;
        return s;
      }());
  for (int round = 0; round < q.rounds; ++round) {
    std::vector<FitStep> round_steps;
    current = fit_parameters(runs, routes, simulated, current, round_steps);
    calibrated = write_parameters(xml, original, current, note);
    write_atomically(round_file, calibrated);
    try {
      simulated = simulate_all(runs, round_file, q.algo);
    } catch (...) {
      std::filesystem::remove(round_file);
      throw;
    }
    if (round + 1 == q.rounds) steps = round_steps;
  }
  std::filesystem::remove(round_file);
  write_atomically(q.output, calibrated);
  // The parameters' overall change (first round's before, last round's after).
  for (auto& s : steps) {
    if (s.parameter == "collective_latency_scale") s.before = original.latency_scale;
    else if (s.parameter == "nvls_efficiency") s.before = original.nvls_efficiency;
    else if (s.parameter.rfind("payload_efficiency[", 0) == 0) {
      auto role = s.parameter.substr(19, s.parameter.size() - 20);
      s.before = original.role_efficiency.count(role) ? original.role_efficiency.at(role) : 1.0;
    } else if (s.parameter.rfind("latency[", 0) == 0) {
      auto role = s.parameter.substr(8, s.parameter.size() - 9);
      s.before = original.role_latency_s.count(role) ? original.role_latency_s.at(role) : 0.0;
    }
  }

  nlohmann::json out{{"platform", q.platform}, {"output", q.output}, {"version", version_string()}};
  out["parameters"] = nlohmann::json::array();
  for (const auto& s : steps)
    out["parameters"].push_back({{"parameter", s.parameter}, {"before", s.before}, {"after", s.after}, {"from", s.from}});
  out["runs"] = nlohmann::json::array();
  std::vector<double> all_before, all_after;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const auto& run = runs[i];
    const auto bw = bandwidth_bound(run), lat = latency_bound(run);
    nlohmann::json rows = nlohmann::json::array();
    std::vector<double> rb, ra;
    for (std::size_t j = 0; j < run.rows.size(); ++j) {
      const auto& r = run.rows[j];
      const double eb = before[i][j] / r.time_s - 1, ea = simulated[i][j] / r.time_s - 1;
      rb.push_back(eb), ra.push_back(ea);
      const double bus = r.algbw_Bps > 0 ? r.busbw_Bps / r.algbw_Bps : 1.0;
      rows.push_back({{"bytes", r.bytes},
                      {"line", r.line},
                      {"measured_s", r.time_s},
                      {"before_s", before[i][j]},
                      {"after_s", simulated[i][j]},
                      {"residual_before", eb},
                      {"residual_after", ea},
                      {"measured_busbw_Bps", r.busbw_Bps},
                      {"simulated_busbw_Bps", simulated[i][j] > 0 ? r.bytes / simulated[i][j] * bus : 0},
                      {"fit", bw[j] ? "bandwidth" : lat[j] ? "latency" : ""}});
    }
    all_before.insert(all_before.end(), rb.begin(), rb.end());
    all_after.insert(all_after.end(), ra.begin(), ra.end());
    out["runs"].push_back({{"file", run.file},
                           {"test", to_string(run.test)},
                           {"ranks", run.ranks},
                           {"bottleneck_role", routes[i].bottleneck_role},
                           {"mean_abs_residual_before", mean_abs(rb)},
                           {"mean_abs_residual_after", mean_abs(ra)},
                           {"rows", rows}});
  }
  out["mean_abs_residual_before"] = mean_abs(all_before);
  out["mean_abs_residual_after"] = mean_abs(all_after);
  if (q.json) return print_json(out);

  std::cout << fmt::format("# calibrate {} -> {}\n# {}\n", q.platform, q.output, version_string());
  std::cout << fmt::format("{:<40} {:>12} {:>12}  {}\n", "parameter", "before", "after", "fitted on");
  for (const auto& s : steps)
    std::cout << fmt::format("{:<40} {:>12.6g} {:>12.6g}  {}\n", s.parameter, s.before, s.after, s.from);
  for (const auto& r : out["runs"]) {
    std::cout << fmt::format("\n# {} ({}, {} ranks, bottleneck {})\n", r["file"].get<std::string>(),
                             r["test"].get<std::string>(), r["ranks"].get<int>(), r["bottleneck_role"].get<std::string>());
    std::cout << fmt::format("{:>12} {:>12} {:>12} {:>9} {:>12} {:>9} {:>12} {:>12}  {}\n", "size", "measured", "before",
                             "resid", "after", "resid", "busbw meas", "busbw sim", "fit");
    for (const auto& row : r["rows"])
      std::cout << fmt::format("{:>12} {:>12} {:>12} {:>+8.1f}% {:>12} {:>+8.1f}% {:>12} {:>12}  {}\n",
                               format_bytes(row["bytes"].get<double>()), format_duration(row["measured_s"].get<double>()),
                               format_duration(row["before_s"].get<double>()), 100 * row["residual_before"].get<double>(),
                               format_duration(row["after_s"].get<double>()), 100 * row["residual_after"].get<double>(),
                               format_bandwidth(row["measured_busbw_Bps"].get<double>()),
                               format_bandwidth(row["simulated_busbw_Bps"].get<double>()), row["fit"].get<std::string>());
    std::cout << fmt::format("mean |residual|: before {:.1f}%, after {:.1f}%\n",
                             100 * r["mean_abs_residual_before"].get<double>(),
                             100 * r["mean_abs_residual_after"].get<double>());
  }
}

}  // namespace

void add_calibrate_command(CLI::App& app) {
  auto q = std::make_shared<CalibrateRequest>();
  CLI::App* cmd = app.add_subcommand(
      "calibrate", "Fit a platform file to nccl-tests output (link efficiencies and latencies, NCCL model parameters)");
  cmd->add_option("inputs", q->inputs, "nccl-tests output files (all_reduce_perf, all_gather_perf, reduce_scatter_perf, "
                                       "alltoall_perf, sendrecv_perf), as printed")
      ->required();
  cmd->add_option("--platform", q->platform, "SimGrid platform XML file to calibrate")->required();
  cmd->add_option("-o,--output", q->output, "Where to write the calibrated platform")->required();
  cmd->add_option("--test", q->test, std::string("The nccl-tests binary of every input (default: from the file): ") +
                                         kNcclTestChoices);
  cmd->add_option("--algo", q->algo, "Algorithm the runs used (NCCL_ALGO): auto, ring, nvls")->capture_default_str();
  cmd->add_option("--rounds", q->rounds, "Rounds of fit and re-simulation (1 to 10)")->capture_default_str();
  cmd->add_flag("--json", q->json, "Print one JSON object");
  cmd->callback([q] {
    WallClock clock("calibrate");
    run_calibrate(*q);
  });
}

}  // namespace chimera
