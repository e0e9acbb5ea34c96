// `chimera-sim plan`: the Metis search on row 1 of the reference through the real binary, the
// two input generators, and exit code 2 with a clear message for each kind of bad input.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/approx.hpp"
#include "tests/e2e/cli_runner.hpp"

using chimera::test::read_file;
using chimera::test::run_cli;
using chimera::test::temp_dir;
using chimera::test::approx;

namespace {

const std::string kData = "tests/data/metis";
const std::string kRow1 = "plan --hostfile " + kData + "/hostfiles/hostfile-16 --cluster " + kData +
                          "/clusterfile.json --profiles " + kData + "/layers10 --layers 10 --gbs 128";

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// 20 layers on hostfile-32 (32 A100 + 32 V100), G = 128. Only ten of the 128 profile files of
// layers20/ are committed, so the profiles come from `plan synth-profiles` (as in README.md),
// generated once per test run.
std::string layers20_command() {
  static const std::string dir = [] {
    std::string d = temp_dir() + "/layers20";
    auto r = run_cli("plan synth-profiles --layers 20 --gbs 128 -o " + d);
    REQUIRE(r.exit_code == 0);
    return d;
  }();
  return "plan --hostfile " + kData + "/hostfiles/hostfile-32 --cluster " + kData + "/clusterfile.json --profiles " +
         dir + " --layers 20 --gbs 128 --compat --json";
}

}  // namespace

TEST_CASE("plan --compat --json: row 1 counts and best costs") {
  auto r = run_cli(kRow1 + " --compat --strategy headroom --json");
  REQUIRE(r.exit_code == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["search_steps"] == 562);
  CHECK(j["best_cost"].get<double>() == 1793.600994348526);
  CHECK(j["plans"][0]["device_groups"] == nlohmann::json::array({32}));
  CHECK(j["mode"] == "compat");
  CHECK(contains(r.err, "plan search: wall time"));  // wall time on stderr only
  auto v = run_cli(kRow1 + " --compat --type-order V100,A100 --json");
  REQUIRE(v.exit_code == 0);
  auto jv = nlohmann::json::parse(v.out);
  CHECK(jv["search_steps"] == 612);  // the Metis strategy (default), reference section 0
  CHECK(jv["best_cost"].get<double>() == 1898.3743157594101);
  CHECK(jv["plans"][0]["mislabelled"] == true);
}

TEST_CASE("plan --compat: 20 layers on hostfile-32 with generated profiles (README example)") {
  for (const char* strategy : {"metis", "headroom"}) {
    auto r = run_cli(layers20_command() + " --strategy " + strategy);
    REQUIRE(r.exit_code == 0);
    auto j = nlohmann::json::parse(r.out);
    CHECK(j["mode"] == "compat");
    CHECK(j["num_gpus"] == 64);
    // Device groups of 64 GPUs for S = 1 .. 20 (counted in test_planner_enumeration): 410 per
    // node sequence, the second one with [32, 32] repeated as a 1-stage plan instead of [64]
    // (quirk 1), times 8 micro-batch counts.
    CHECK(j["inter_stage_plans"] == 2 * 410 * 8);
    CHECK(j["search_steps"].get<long long>() > 0);
  }
}

// The counts quoted for the reference on this case (issue 16, item 7). Not reproduced: the
// reading of the memory check that matches the reference's row 1 (612 / 562) gives 57857 /
// 41316 here; resetting the hand-out share per attempt gives 58063 / 41208 but 613 on row 1.
// planner/README.md ("20 layers on hostfile-32") lists what was tried. A tripwire: it starts
// passing (and so fails the run) once both counts are reproduced; then drop should_fail.
TEST_CASE("plan --compat: 20 layers on hostfile-32, quoted reference counts 58078 / 41208" *
          doctest::should_fail()) {
  auto metis = run_cli(layers20_command() + " --strategy metis");
  auto headroom = run_cli(layers20_command() + " --strategy headroom");
  REQUIRE(metis.exit_code == 0);
  REQUIRE(headroom.exit_code == 0);
  CHECK(nlohmann::json::parse(metis.out)["search_steps"] == 58078);
  CHECK(nlohmann::json::parse(headroom.out)["search_steps"] == 41208);
}

TEST_CASE("plan: text report and determinism") {
  auto a = run_cli(kRow1 + " --compat --strategy headroom");
  auto b = run_cli(kRow1 + " --compat --strategy headroom");
  REQUIRE(a.exit_code == 0);
  CHECK(a.out == b.out);
  CHECK(contains(a.out, "search steps: 562\n"));
  CHECK(contains(a.out, "best cost: 1793.600994348526 ms\n"));
  CHECK(contains(a.out, "constants from DeviceType.A100_tp32_bs32.json"));
  CHECK(contains(a.out, "chimera-sim "));  // what produced the report
}

TEST_CASE("plan synth-profiles writes the shipped profile files") {
  std::string dir = temp_dir();
  auto r = run_cli("plan synth-profiles --layers 10 --gbs 128 -o " + dir + "/profile");
  REQUIRE(r.exit_code == 0);
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir + "/profile")) {
    std::string name = e.path().filename().string();
    CHECK(read_file(e.path().string()) == read_file(chimera::test::source_path(kData + "/layers10/" + name)));
    ++files;
  }
  CHECK(files == 128);
  std::filesystem::remove_all(dir);
}

TEST_CASE("plan gen-hostfile prints the fork's hostfile") {
  auto r = run_cli("plan gen-hostfile 16");
  REQUIRE(r.exit_code == 0);
  CHECK(r.out == read_file(chimera::test::source_path(kData + "/hostfiles/hostfile-16")));
  auto six = run_cli("plan gen-hostfile 6");
  CHECK(six.exit_code == 2);
  CHECK(six.err == "error: n: 6 (valid: a positive multiple of 4)\n");
}

TEST_CASE("plan: bad input exits 2 with one clear message") {
  std::string dir = temp_dir();
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir + "/" + name) << text;
    return dir + "/" + name;
  };
  auto expect = [](const chimera::test::CliResult& r, const std::string& part) {
    CHECK(r.exit_code == 2);
    CHECK(contains(r.err, part));
  };
  std::string base = " --cluster " + kData + "/clusterfile.json --profiles " + kData + "/layers10 --layers 10 --gbs 128";
  // Slot counts above 9: the reference reads one digit; --compat refuses, clean mode reads them.
  std::string wide = write("wide", "0.0.0.1 slots=16\n0.0.0.4 slots=16\n");
  expect(run_cli("plan --compat --hostfile " + wide + base), "slots=16 has more than one digit");
  expect(run_cli("plan --hostfile " + write("bad", "0.0.0.1 slots=4 extra\n") + base), "bad:1");
  expect(run_cli("plan --hostfile " + write("t4", "0.0.0.3 slots=4\n") + base), "DeviceType.T4_tp1_bs1.json");
  expect(run_cli("plan --hostfile " + write("unknown", "9.9.9.9 slots=4\n") + base), "9.9.9.9");
  std::string row1 = " --hostfile " + kData + "/hostfiles/hostfile-16";
  expect(run_cli("plan" + row1 + " --cluster " + write("c.json", "{\"0.0.0.1\": 3}") + " --profiles " + kData +
                 "/layers10 --layers 10 --gbs 128"),
         "is not an object");
  expect(run_cli("plan" + row1 + " --cluster " + kData + "/clusterfile.json --profiles " + dir +
                 "/none --layers 10 --gbs 128"),
         "not a directory");
  expect(run_cli("plan" + row1 + base.substr(0, base.find(" --layers")) + " --layers 20 --gbs 128"),
         "but the model has 20 layers");
  expect(run_cli(kRow1 + " --strategy fastest"), "--strategy");
  expect(run_cli(kRow1 + " --quirks 12"), "--quirks");
  expect(run_cli(kRow1 + " --type-order A100,T4"), "--type-order");
  expect(run_cli(kRow1 + " --constants A100_tp3_bs1"), "--constants");
  expect(run_cli("plan --hostfile " + kData + "/hostfiles/hostfile-16"), "--cluster");
  // --simulate builds hosts from presets: a GPU type without one is named before the search runs
  expect(run_cli("plan --simulate --hostfile " + write("t4", "0.0.0.3 slots=4\n") + base), "T4 has no hardware preset");
  expect(run_cli(kRow1 + " --simulate --simulate-tp-comm maybe"), "--simulate-tp-comm");
  expect(run_cli(kRow1 + " --simulate --simulate-granularity coarse"), "--simulate-granularity");
  expect(run_cli(kRow1 + " --simulate --simulate-algorithm fastest"), "--simulate-algorithm");
  expect(run_cli(kRow1 + " --simulate-top 0"), "--simulate-top");
  // 3 nodes x 4 GPUs = 12: not a power of two, which the reference cannot handle.
  std::string twelve = write("twelve", "0.0.0.1 slots=4\n0.0.0.4 slots=4\n0.0.0.4 slots=4\n");
  expect(run_cli("plan --compat --hostfile " + twelve + base), "power of two");
  // The default mode searches 12 GPUs: the hostfile's 4 V100 (0.0.0.1) and 8 A100 (0.0.0.4, the
  // cluster file's types), every plan's device groups cover all 12 and its stages the 10 layers.
  auto clean = run_cli("plan --json --hostfile " + twelve + base);
  REQUIRE_MESSAGE(clean.exit_code == 0, clean.err);
  auto j = nlohmann::json::parse(clean.out);
  CHECK(j["num_gpus"] == 12);
  CHECK(j["gpus"] == "8 A100 + 4 V100");
  REQUIRE(!j["plans"].empty());
  for (const auto& plan : j["plans"]) {
    int gpus = 0;
    for (int g : plan["device_groups"]) gpus += g;
    CHECK(gpus == 12);
    CHECK(plan["layer_partition"].front() == 0);
    CHECK(plan["layer_partition"].back() == 10);
  }
  std::filesystem::remove_all(dir);
}

// One node of 4 A100 (46 units intra-node: 46 x 2^20 B/ms), 10 layers, global batch 8: the best
// plans are single-stage tp 4, so the cost model charges compute only.
TEST_CASE("plan --simulate: a single-stage plan simulates to the model cost plus its TP all-reduces") {
  std::string dir = temp_dir();
  std::ofstream(dir + "/h") << "0.0.0.4 slots=4\n";
  const std::string cmd = "plan --hostfile " + dir + "/h --cluster " + kData + "/clusterfile.json --profiles " + kData +
                          "/layers10 --layers 10 --gbs 8 --simulate-top 2 --json";
  // TP communication inside the profiled layer time: nothing but the profiled compute is left,
  // which is exactly what the model sums.
  auto in_profile = run_cli(cmd + " --simulate-tp-comm in-profile");
  REQUIRE(in_profile.exit_code == 0);
  auto j = nlohmann::json::parse(in_profile.out);
  REQUIRE(j["simulated"].size() == 2);
  for (const auto& p : j["simulated"]) {
    CHECK(p["device_groups"] == nlohmann::json::array({4}));
    CHECK(p["simulated_ms"].get<double>() == approx(p["model_cost_ms"].get<double>()).epsilon(1e-9));
    CHECK(p["messages"] == 0);
  }
  // Explicit: plan 1 (M = 1) adds 34 blocking ring all-reduces of the batch's activations
  // (8 x 1024 x 4096 x 2 bytes): embedding forward, 8 transformer layers x (attention, MLP) x
  // (forward, backward), LM head backward; each 2(p-1) = 6 steps of a quarter over a 0.5 us +
  // 0.5 us port pair at 46 x 2^20 B/ms.
  auto explicit_tp = run_cli(cmd + " --simulate-tp-comm explicit");
  REQUIRE(explicit_tp.exit_code == 0);
  auto e = nlohmann::json::parse(explicit_tp.out)["simulated"][0];
  REQUIRE(e["micro_batches"] == 1);
  const double bytes = 8.0 * 1024 * 4096 * 2, bandwidth = 46 * 1024.0 * 1024 * 1000;
  const double allreduce_s = 6 * (1e-6 + bytes / 4 / bandwidth);
  CHECK(e["simulated_ms"].get<double>() ==
        approx(e["model_cost_ms"].get<double>() + 34 * allreduce_s * 1e3).epsilon(1e-4));
  CHECK(e["messages"] == 34 * 6 * 4);
  std::filesystem::remove_all(dir);
}
