// The SC'21 study end to end, small: BERT-48 in fp32 on a generated Piz Daint dragonfly with
// the P100 FP32 preset of scenarios/sc21, GEMS and PipeDream-2BW, through `run --json` and a
// `run` sweep. Checked against numbers derived here: weight memory per rank = versions x
// parameters of the stages it holds x 4 bytes; a sweep point equals `run` of the same scenario
// and its throughput is the global batch over that iteration time.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tests/approx.hpp"
#include "tests/e2e/cli_runner.hpp"

using chimera::test::read_file;
using chimera::test::run_cli;
using chimera::test::source_path;
using chimera::test::temp_dir;
using nlohmann::json;
using chimera::test::approx;

namespace {

constexpr int kD = 4, kW = 2, kB = 2, kN = 4;

std::string scenario(const std::string& kind) {
  return fmt::format(R"(schema = 1
title = "sc21 e2e"
[model]
name = "bert-48"
micro_batch = {}
bytes_per_element = 4
[parallel]
pp = {}
dp = {}
micro_batches = {}
[schedule]
kind = "{}"
[platform.generator]
kind = "dragonfly"
groups = 1
host_preset = "none"
[compute]
preset = "{}"
)",
                     kB, kD, kW, kN, kind, source_path("scenarios/sc21/p100-fp32.toml"));
}

// BERT-48 parameters (reference §4: 12,596,224 per layer); stage 0 adds the token and
// position embeddings, the last stage the tied LM head copy.
double stage_parameters(int layers, int stage) {
  const double h = 1024, vocab = 30522, sequence = 128;
  double p = layers * 12596224.0;
  if (stage == 0) p += vocab * h + sequence * h;
  if (stage == kD - 1) p += vocab * h;
  return p;
}

std::vector<std::map<std::string, std::string>> read_csv(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::vector<std::string> header;
  std::vector<std::map<std::string, std::string>> rows;
  auto split = [](const std::string& l) {
    std::vector<std::string> f;
    std::stringstream ss(l);
    for (std::string x; std::getline(ss, x, ',');) f.push_back(x);
    return f;
  };
  std::getline(in, line);
  header = split(line);
  while (std::getline(in, line)) {
    auto f = split(line);
    std::map<std::string, std::string> r;
    for (std::size_t i = 0; i < header.size() && i < f.size(); ++i) r[header[i]] = f[i];
    rows.push_back(r);
  }
  return rows;
}

}  // namespace

TEST_CASE("sc21: gems and pipedream-2bw weights per rank and sweep throughput from closed forms") {
  const std::string dir = temp_dir();
  std::map<std::string, double> max_weights;
  std::map<std::string, json> runs;  // `run --json` of each kind, to compare the sweep's rows with
  for (std::string kind : {"gems", "pipedream-2bw"}) {
    CAPTURE(kind);
    std::ofstream(dir + "/" + kind + ".toml") << scenario(kind);
    auto r = run_cli(fmt::format("run '{}/{}.toml' --json", dir, kind));
    REQUIRE(r.exit_code == 0);
    const json report = json::parse(r.out);
    runs[kind] = report;
    std::vector<double> params;
    for (const auto& st : report["pipeline"]["stages"])
      params.push_back(stage_parameters(st["layers"].get<int>(), st["stage"].get<int>()));
    REQUIRE(params.size() == kD);
    for (const auto& rank : report["pipeline"]["ranks"]) {
      const int w = rank["worker"];
      // GEMS: one version each of down stage w and up stage D-1-w; 2BW: two versions of stage w.
      const double expected = kind == "gems" ? 4 * (params[w] + params[kD - 1 - w]) : 2 * 4 * params[w];
      CHECK(rank["weights_bytes"].get<double>() == approx(expected));
      CHECK(rank["gradients_bytes"].get<double>() ==
            approx(kind == "gems" ? 4 * (params[w] + params[kD - 1 - w]) : 4 * params[w]));
      max_weights[kind] = std::max(max_weights[kind], expected);
    }
  }

  std::ofstream(dir + "/sweep.toml") << R"(schema = 1
title = "sc21 e2e sweep"
kind = "run"
output = "out.csv"
[fixed]
scenario = "gems.toml"
[axes]
"schedule.kind" = ["gems", "pipedream-2bw"]
)";
  auto s = run_cli(fmt::format("sweep '{}/sweep.toml' -j 2 --output '{}/out.csv'", dir, dir));
  REQUIRE(s.exit_code == 0);
  auto rows = read_csv(dir + "/out.csv");
  REQUIRE(rows.size() == 2);
  for (auto& row : rows) {
    const std::string kind = row.at("schedule.kind");
    CAPTURE(kind);
    CHECK(std::stol(row.at("global_batch")) == kB * kN * kW);
    // A sweep point is the scenario run in its own process: the same iteration and bubble as
    // `run`, and throughput = global batch B N W / that iteration time (results/sc21/README.md).
    const json& run = runs.at(kind);
    const double iteration = run["iteration_time_s"].get<double>();
    CHECK(std::stod(row.at("iteration_time_s")) == approx(iteration).epsilon(1e-9));
    CHECK(std::stod(row.at("throughput_samples_per_s")) == approx(kB * kN * kW / iteration).epsilon(1e-9));
    CHECK(std::stod(row.at("bubble_ratio")) == approx(run["pipeline"]["bubble_ratio"].get<double>()).epsilon(1e-9));
    CHECK(std::stod(row.at("weights_bytes")) == approx(max_weights.at(kind)));
    CHECK(row.at("fits_memory") == "true");
  }
  std::filesystem::remove_all(dir);
}
