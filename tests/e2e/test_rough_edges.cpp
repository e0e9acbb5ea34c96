// The rough edges a new user hit (issue 18, item 7), each with the behaviour that replaced it.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/e2e/cli_runner.hpp"

using chimera::test::run_cli;
using chimera::test::temp_dir;
using nlohmann::json;

namespace {
bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }
}  // namespace

TEST_CASE("run on a sweep file says it is a sweep file and which command takes it") {
  auto r = run_cli("run scenarios/isca25/synthetic.toml");
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "scenarios/isca25/synthetic.toml"));
  CHECK(contains(r.err, "this is a sweep file (kind and [axes]), not a scenario"));
  CHECK(contains(r.err, "chimera-sim sweep scenarios/isca25/synthetic.toml"));
  CHECK_FALSE(contains(r.err, "missing required"));
}

TEST_CASE("one micro-batch is singular in the report") {
  const std::string path = temp_dir() + "/one.toml";
  std::ofstream(path) << "schema = 1\n[model]\nname = \"gpt2-medium\"\nlayers = 2\nsequence = 128\nmicro_batch = 1\n"
                         "[parallel]\ntp = 8\n[platform.generator]\nkind = \"nvswitch\"\ngpus = 8\n";
  auto one = run_cli(fmt::format("run '{}'", path));
  REQUIRE_MESSAGE(one.exit_code == 0, one.err);
  CHECK(contains(one.out, ", 1 micro-batch, 8 GPUs"));
  auto two = run_cli("run scenarios/default.toml");
  CHECK(contains(two.out, ", 2 micro-batches, 8 GPUs"));
}

TEST_CASE("platform gen --ns3 -o x.xml writes the x-ns3.xml sibling that fidelity looks for") {
  const std::string dir = temp_dir();
  auto r = run_cli(fmt::format("platform gen nvswitch --gpus 8 --no-contention --ns3 -o '{}/my.xml'", dir));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(std::filesystem::exists(dir + "/my-ns3.xml"));
  CHECK_FALSE(std::filesystem::exists(dir + "/my.xml"));
  CHECK(contains(r.out, "my-ns3.xml"));
  // Without --ns3 the name is kept.
  REQUIRE(run_cli(fmt::format("platform gen nvswitch --gpus 8 --no-contention -o '{}/my.xml'", dir)).exit_code == 0);
  CHECK(std::filesystem::exists(dir + "/my.xml"));
}

TEST_CASE("collective --help shows --unrotated as a plain flag, and its errors do not mention a scenario") {
  auto help = run_cli("collective --help");
  CHECK(contains(help.out, "--unrotated"));
  CHECK_FALSE(contains(help.out, "{false}"));
  auto big = run_cli("collective --op allreduce --ranks 0-15 --platform tests/data/star8-50GBps-1us.xml");
  CHECK(big.exit_code == 2);
  CHECK(contains(big.err, "has 8 hosts but the run needs 16 ranks"));
  CHECK_FALSE(contains(big.err, "scenario"));
  // --unrotated still works where it applies.
  auto m2ms = run_cli("collective --op m2ms --algo ring --ranks 0-3 --targets 4-7 --unrotated "
                      "--platform tests/data/star8-50GBps-1us.xml --json");
  CHECK_MESSAGE(m2ms.exit_code == 0, m2ms.err);
}

TEST_CASE("LV08 on a GPU platform is reported with a warning that its factors are wide-area TCP calibrations") {
  const std::string path = temp_dir() + "/lv08.toml";
  std::ofstream(path) << "schema = 1\n[model]\nname = \"gpt2-medium\"\nlayers = 2\nsequence = 128\nmicro_batch = 1\n"
                         "[parallel]\ntp = 8\n[platform.generator]\nkind = \"nvswitch\"\ngpus = 8\n[network]\nmodel = \"LV08\"\n";
  auto text = run_cli(fmt::format("run '{}'", path));
  REQUIRE_MESSAGE(text.exit_code == 0, text.err);
  CHECK(contains(text.out, "  warning    LV08's factors"));
  auto j = json::parse(run_cli(fmt::format("run '{}' --json", path)).out);
  CHECK(contains(j["inputs"]["network"]["warning"].get<std::string>(), "wide-area TCP"));
  auto cm02 = json::parse(run_cli("run scenarios/default.toml --json").out);
  CHECK_FALSE(cm02["inputs"]["network"].contains("warning"));
}

TEST_CASE("the compressed ASCII timeline aggregates each column instead of sampling an instant") {
  // 1F1B, D = 64, N = 256, F = 1, B = 2: P0 runs 64 warm-up forwards, then alternates F and B,
  // and its last action is the backward of micro-batch 255, ending the iteration.
  auto r = run_cli("schedule --kind 1f1b --pp 64 --micro-batches 256");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const auto at = r.out.find("\nP0   ");
  REQUIRE(at != std::string::npos);
  const std::string row = r.out.substr(at + 6, r.out.find('\n', at + 1) - at - 6);
  CHECK(row.front() == 'F');
  CHECK(row.back() == 'B');  // sampling showed P0's last columns idle
  // In the steady state every column holds twice as much backward as forward work: B.
  const auto first_b = row.find('B');
  REQUIRE(first_b != std::string::npos);
  CHECK(row.find_first_not_of('B', first_b) == std::string::npos);
  CHECK(contains(r.out, "aggregated"));
}
