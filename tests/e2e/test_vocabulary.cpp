// One vocabulary (issue 18, item 1): the scenario's names as flags, the old flags as hidden
// aliases that still work, seconds in plan's JSON.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "tests/e2e/cli_runner.hpp"

using chimera::test::run_cli;
using nlohmann::json;

namespace {
bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }
}  // namespace

TEST_CASE("schedule takes --pp and --micro-batches, --stages and --microbatches are hidden aliases") {
  auto now = run_cli("schedule --kind 1f1b --pp 4 --micro-batches 8 --json");
  REQUIRE_MESSAGE(now.exit_code == 0, now.err);
  auto old = run_cli("schedule --kind 1f1b --stages 4 --microbatches 8 --json");
  REQUIRE_MESSAGE(old.exit_code == 0, old.err);
  CHECK(now.out == old.out);
  auto help = run_cli("schedule --help");
  CHECK(contains(help.out, "--pp"));
  CHECK(contains(help.out, "--micro-batches"));
  CHECK_FALSE(contains(help.out, "--stages"));
  CHECK_FALSE(contains(help.out, "--microbatches"));
  auto bad = run_cli("schedule --kind 1f1b --pp 4 --micro-batches 0");
  CHECK(bad.exit_code == 2);
  CHECK(contains(bad.err, "--micro-batches"));
}

TEST_CASE("layer takes --sequence and --micro-batch, --seq and --batch are hidden aliases") {
  auto now = run_cli("layer --model gpt2-medium --preset a100 --sequence 512 --micro-batch 2 --json");
  REQUIRE_MESSAGE(now.exit_code == 0, now.err);
  auto old = run_cli("layer --model gpt2-medium --preset a100 --seq 512 --batch 2 --json");
  REQUIRE_MESSAGE(old.exit_code == 0, old.err);
  CHECK(now.out == old.out);
  auto help = run_cli("layer --help");
  CHECK(contains(help.out, "--sequence"));
  CHECK_FALSE(contains(help.out, "--seq "));
}

TEST_CASE("tune takes --global-batch, --mini-batch is its hidden alias") {
  auto help = run_cli("tune --help");
  CHECK(contains(help.out, "--global-batch"));
  CHECK_FALSE(contains(help.out, "--mini-batch"));
}

TEST_CASE("plan --json gives costs in seconds beside the deprecated milliseconds") {
  auto r = run_cli("plan --hostfile tests/data/metis/hostfiles/hostfile-16 --cluster tests/data/metis/clusterfile.json "
                   "--profiles tests/data/metis/layers10 --layers 10 --gbs 128 --json");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  json j = json::parse(r.out);
  REQUIRE(j["plans"].size() > 0);
  const json& p = j["plans"][0];
  CHECK(p["cost_s"].get<double>() == doctest::Approx(p["cost_ms"].get<double>() / 1e3).epsilon(1e-15));
  CHECK(j["best_cost_s"].get<double>() == doctest::Approx(j["best_cost"].get<double>() / 1e3).epsilon(1e-15));
}
