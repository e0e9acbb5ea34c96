// Issue 15: a few thousand ranks end to end, against an answer known without the simulator's
// large-scale machinery. 2,048 identical data-parallel replicas of a small GPT-2 on a star
// whose ports carry 1e15 B/s with no latency: the gradient all-reduce then costs
// 2 (n-1)/n x 2 x 124M parameters x 2 bytes / 1e15 B/s < 1 us (closed form of the aggregated
// ring), so each replica must take what one GPU alone takes (a compute-only run) within 0.1%,
// and every rank must finish at the same instant.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include "tests/e2e/cli_runner.hpp"

using chimera::test::run_cli;
using chimera::test::temp_dir;

namespace {

std::string scenario(int dp) {
  return "schema = 1\ntitle = \"identical replicas\"\n"
         "[model]\nname = \"gpt2-small\"\nsequence = 128\nmicro_batch = 1\n"
         "[parallel]\ndp = " + std::to_string(dp) + "\n"
         "[platform.generator]\nkind = \"star\"\ngpus = " + std::to_string(dp) +
         "\nport_bandwidth = \"1e15Bps\"\nport_latency = \"0s\"\n"
         "[compute]\npreset = \"h100\"\n[collectives]\ngranularity = \"aggregated\"\n";
}

}  // namespace

TEST_CASE("2,048 identical data-parallel replicas on an ideal network take one GPU's compute-only time") {
  const std::string dir = temp_dir();
  std::ofstream(dir + "/one.toml") << scenario(1);
  std::ofstream(dir + "/many.toml") << scenario(2048);
  auto one = run_cli("run " + dir + "/one.toml --json");
  auto many = run_cli("run " + dir + "/many.toml --json");
  std::filesystem::remove_all(dir);
  REQUIRE_MESSAGE(one.exit_code == 0, one.err);
  REQUIRE_MESSAGE(many.exit_code == 0, many.err);
  const auto a = nlohmann::json::parse(one.out), b = nlohmann::json::parse(many.out);
  const double alone = a["iteration_time_s"].get<double>();
  // One GPU alone: no communication at all, so its time is its compute.
  CHECK(a["ranks"][0]["exposed_comm_s"].get<double>() == 0.0);
  CHECK(alone > 0);
  const double t = b["iteration_time_s"].get<double>();
  CHECK(std::fabs(t - alone) <= 1e-3 * alone);
  // The all-reduce can only add time, and at most its closed form plus a few of the engine's time steps.
  const double params = b["model"]["parameters"].get<double>();
  const double closed_form_s = 2.0 * 2047 / 2048 * params * 2 / 1e15;
  CHECK(t >= alone);
  CHECK(t - alone <= closed_form_s + 1e-8);
  REQUIRE(b["ranks"].size() == 2048);
  for (const auto& r : b["ranks"]) CHECK(r["finish_s"].get<double>() == doctest::Approx(t).epsilon(1e-9));
}
