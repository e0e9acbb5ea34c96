// Issue 2: the run command end to end — default scenario, determinism, output files, program dump.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "tests/approx.hpp"
#include "tests/e2e/cli_runner.hpp"

using chimera::test::read_file;
using chimera::test::run_cli;
using chimera::test::temp_dir;
using chimera::test::approx;

TEST_CASE("run with no file runs the default scenario and prints a report") {
  auto r = run_cli("run");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.out.find("iteration time") != std::string::npos);
  CHECK(r.out.find("scenarios/default.toml") != std::string::npos);
  CHECK(r.out.find("CM02 (crosstraffic off, TCP window cap lifted)") != std::string::npos);
  CHECK(r.err.find("wall time") != std::string::npos);  // wall clock on stderr, not in results
}

TEST_CASE("the same scenario twice gives byte-identical JSON") {
  auto a = run_cli("run scenarios/default.toml --json");
  auto b = run_cli("run scenarios/default.toml --json");
  REQUIRE_MESSAGE(a.exit_code == 0, a.err);
  REQUIRE(b.exit_code == 0);
  CHECK(a.out == b.out);
  auto j = nlohmann::json::parse(a.out);
  CHECK(j["iteration_time_s"].get<double>() > 0);
  CHECK(j["inputs"]["network"]["model"] == "CM02");
  CHECK(j["inputs"]["network"]["crosstraffic"] == false);
  CHECK(j["inputs"]["network"]["window_cap_bytes"].is_null());
  CHECK(j["inputs"]["version"].get<std::string>().rfind("chimera-sim ", 0) == 0);
  CHECK(j["ranks"].size() == 8);
  // compute busy + exposed communication + idle add up to the iteration time on every rank
  for (const auto& rank : j["ranks"])
    CHECK(rank["compute_busy_s"].get<double>() + rank["exposed_comm_s"].get<double>() + rank["idle_s"].get<double>() ==
          approx(j["iteration_time_s"].get<double>()));
}

TEST_CASE("[output] json, csv and trace are written, and the JSON file equals --json") {
  std::string dir = temp_dir();
  std::string scenario = dir + "/s.toml";
  std::string text = read_file(chimera::test::source_path("scenarios/default.toml"));
  text += "\n[output]\njson = \"report.json\"\ncsv = \"ranks.csv\"\ntrace = \"trace.json\"\n";
  { std::ofstream(scenario) << text; }
  auto r = run_cli("run '" + scenario + "' --json");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  std::string file_json = read_file(dir + "/report.json");
  CHECK(nlohmann::json::parse(file_json) == nlohmann::json::parse(r.out));
  std::string csv = read_file(dir + "/ranks.csv");
  CHECK(csv.rfind("rank,host,preset,compute_busy_s", 0) == 0);
  CHECK(std::count(csv.begin(), csv.end(), '\n') == 9);  // header + 8 ranks
  auto trace = nlohmann::json::parse(read_file(dir + "/trace.json"));
  REQUIRE(trace.contains("traceEvents"));
  bool saw_allreduce = false, saw_compute = false;
  for (const auto& e : trace["traceEvents"]) {
    if (e["ph"] != "X") continue;
    CHECK(e["dur"].get<double>() >= 0);
    std::string name = e["name"];
    if (name.find("tp.allreduce") != std::string::npos) saw_allreduce = true;
    if (name.find("attn.fwd") != std::string::npos) saw_compute = true;
  }
  CHECK(saw_allreduce);
  CHECK(saw_compute);
  for (const auto& f : std::filesystem::directory_iterator(dir))  // no temporary left behind
    CHECK(f.path().filename().string().find(".tmp.") == std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("program --rank dumps a rank's ops, with (4 x layers + 2) x micro-batches all-reduces") {
  auto r = run_cli("program scenarios/default.toml --rank 3 --json");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["rank"] == 3);
  int allreduce = 0;
  for (const auto& op : j["ops"])
    if (op["kind"] == "collective" && op["collective"] == "allreduce") {
      ++allreduce;
      CHECK(op["group"].size() == 8);
      // activation all-reduce: micro_batch 4 x sequence 1024 x hidden 1024 x 2 bytes
      CHECK(op["bytes"].get<double>() == 4.0 * 1024 * 1024 * 2);
    }
  // default scenario: gpt2-medium (24 layers), 2 micro-batches: per micro-batch 4 per layer
  // (attention and MLP, forward and backward), the embedding's forward and the LM head's backward.
  CHECK(allreduce == (4 * 24 + 2) * 2);
  auto text = run_cli("program scenarios/default.toml --rank 3");
  REQUIRE(text.exit_code == 0);
  CHECK(text.out.find("program of rank 3") != std::string::npos);
}

namespace {

// The subcommands a help text lists: the lines after "Subcommands:", "  name  description".
// Called on every help text below, so nested subcommands (platform gen, sweep merge) count.
std::vector<std::pair<std::string, std::string>> listed_subcommands(const std::string& help) {
  std::vector<std::pair<std::string, std::string>> out;
  std::istringstream in(help);
  bool inside = false;
  for (std::string line; std::getline(in, line);) {
    if (line == "Subcommands:") {
      inside = true;
      continue;
    }
    if (!inside) continue;
    if (line.empty() || line[0] != ' ') break;
    std::istringstream fields(line);
    std::string name, description;
    fields >> name;
    std::getline(fields >> std::ws, description);
    out.emplace_back(name, description);
  }
  return out;
}

}  // namespace

TEST_CASE("every subcommand, nested ones included, has a description and --help") {
  // Enumerated from the binary itself, so a new subcommand is covered (and must have both).
  auto top = run_cli("--help");
  REQUIRE(top.exit_code == 0);
  std::vector<std::string> pending;
  for (const auto& [name, description] : listed_subcommands(top.out)) {
    CAPTURE(name);
    CHECK(!description.empty());
    pending.push_back(name);
  }
  // The commands README.md documents, at least.
  for (const char* documented : {"run", "program", "collective", "fusion", "sweep", "fidelity", "platform", "schedule",
                                 "tune", "playground", "gemm", "kernel", "layer", "plan"})
    CHECK(std::find(pending.begin(), pending.end(), documented) != pending.end());
  int checked = 0;
  while (!pending.empty()) {
    const std::string path = pending.back();
    pending.pop_back();
    CAPTURE(path);
    auto r = run_cli(path + " --help");
    CHECK(r.exit_code == 0);
    CHECK(r.err.empty());
    CHECK(r.out.find("Usage: ") != std::string::npos);
    CHECK(r.out.find("chimera-sim " + path) != std::string::npos);  // the usage line names the command
    CHECK(r.out.find("-h,--help") != std::string::npos);
    for (const auto& [name, description] : listed_subcommands(r.out)) {
      CAPTURE(name);
      CHECK(!description.empty());
      pending.push_back(path + " " + name);
    }
    ++checked;
  }
  // 14 commands, platform's gen / kinds / show / check, plan's two generators, sweep merge
  CHECK(checked >= 21);
}

TEST_CASE("every command whose help offers --json prints exactly one JSON object") {
  // One small valid invocation per command; the set must equal the commands whose --help lists
  // --json, so a new command with --json needs a line here (README: "every command that prints
  // a result takes --json and then prints one JSON object on stdout").
  const std::string dir = temp_dir();
  const std::string metis = "tests/data/metis";
  const std::string star = " --platform tests/data/star8-50GBps-1us.xml";
  // In order: sweep writes the CSV that sweep merge reads.
  const std::vector<std::pair<std::string, std::string>> invocations = {
      {"run", "run scenarios/default.toml"},
      {"program", "program scenarios/default.toml --rank 0"},
      {"collective", "collective --op allreduce --ranks 0-1 --sizes 1MiB" + star},
      {"calibrate", "calibrate --platform platforms/nvswitch-h100-8.xml -o " + dir +
                        "/cal.xml --algo ring --rounds 1 tests/data/nccl-tests/sendrecv_perf-h100.txt"},
      {"fusion", "fusion --pair tp+sp --bytes 1MiB --groups linear" + star},
      {"sweep", "sweep tests/data/fidelity/collectives.toml --output " + dir + "/out.csv"},
      {"sweep merge", "sweep merge -o " + dir + "/merged.csv " + dir + "/out.csv"},
      {"fidelity", "fidelity tests/data/fidelity/collectives.toml --models CM02 --points 0"},
      {"platform gen", "platform gen star --gpus 2 -o " + dir + "/star.xml"},
      {"platform kinds", "platform kinds"},
      {"platform show", "platform show tests/data/star8-50GBps-1us.xml"},
      {"platform check", "platform check tests/data/star8-50GBps-1us.xml"},
      {"schedule", "schedule --kind 1f1b --stages 2 --microbatches 2"},
      {"tune", "tune scenarios/pipeline/1f1b-gpt2-64.toml --gpus 8 --memory 16GiB --top 1"},
      {"gemm", "gemm --preset a100 --m 64 --n 64 --k 64"},
      {"kernel", "kernel --preset h200 --kind elementwise --bytes 256MiB"},
      {"layer", "layer --model gpt2-small --preset a100"},
      {"plan", "plan --hostfile " + metis + "/hostfiles/hostfile-16 --cluster " + metis + "/clusterfile.json --profiles " +
                   metis + "/layers10 --layers 10 --gbs 128 --compat"},
      {"plan synth-profiles", "plan synth-profiles --layers 2 --gbs 8 -o " + dir + "/profiles"},
      {"plan gen-hostfile", "plan gen-hostfile 4"},
  };
  std::vector<std::string> with_json, pending;
  for (const auto& [name, description] : listed_subcommands(run_cli("--help").out)) pending.push_back(name);
  while (!pending.empty()) {
    const std::string path = pending.back();
    pending.pop_back();
    const std::string help = run_cli(path + " --help").out;
    if (help.find("--json") != std::string::npos) with_json.push_back(path);
    for (const auto& [name, description] : listed_subcommands(help)) pending.push_back(path + " " + name);
  }
  std::vector<std::string> covered;
  for (const auto& [command, args] : invocations) covered.push_back(command);
  std::sort(with_json.begin(), with_json.end());
  std::sort(covered.begin(), covered.end());
  CHECK(with_json == covered);
  for (const auto& [command, args] : invocations) {
    CAPTURE(command);
    auto r = run_cli(args + " --json");
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    nlohmann::json j;
    CHECK_NOTHROW(j = nlohmann::json::parse(r.out));  // throws on anything after the object
    CHECK(j.is_object());
  }
  std::filesystem::remove_all(dir);
}
