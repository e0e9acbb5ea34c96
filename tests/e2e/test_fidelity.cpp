// Issue 7: fidelity runs the same points under CM02, LV08 and ns-3, the flow-level result
// equals the closed form, references in seconds or cycles join to the points, and bad
// references are clear errors.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "tests/e2e/cli_runner.hpp"

using chimera::test::run_cli;

namespace {

constexpr double B = 50e9, a = 1e-6, M = 1 << 20;
const double kP2p = a + M / B;                      // one route: latency + size / bandwidth
const double kRing8 = 2 * 7 * (a + M / 8 / B);      // ring all-reduce over 8
const char* kSweep = "tests/data/fidelity/collectives.toml";

nlohmann::json fidelity(const std::string& args) {
  auto r = run_cli("fidelity --json " + std::string(kSweep) + " " + args);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  return nlohmann::json::parse(r.out);
}

}  // namespace

TEST_CASE("fidelity: CM02, LV08 and ns-3 on a 2-GPU transfer and an 8-GPU ring all-reduce") {
  auto j = fidelity("--models CM02,LV08,ns-3 -j 2");
  REQUIRE(j["points"].size() == 2);
  const double expected[] = {kP2p, kRing8};
  for (int p = 0; p < 2; ++p) {
    const auto& row = j["points"][p];
    CAPTURE(p);
    CHECK(row["closed_form_s"].get<double>() == doctest::Approx(expected[p]).epsilon(1e-9));
    CHECK(row["models"]["CM02"]["time_s"].get<double>() == doctest::Approx(expected[p]).epsilon(0.005));
    // LV08 multiplies latencies by 13.01 and bandwidth by 0.97: always slower than CM02 here
    CHECK(row["models"]["LV08"]["time_s"].get<double>() > row["models"]["CM02"]["time_s"].get<double>());
    // ns-3 ran (packet-level TCP: slower than the fluid model, same order of magnitude)
    REQUIRE(row["models"]["ns-3"].contains("time_s"));
    CHECK(row["models"]["ns-3"]["time_s"].get<double>() > 0.5 * expected[p]);
    CHECK(row["models"]["ns-3"]["time_s"].get<double>() < 20 * expected[p]);
    for (const char* m : {"CM02", "LV08", "ns-3"}) CHECK(row["models"][m]["wall_s"].get<double>() >= 0);
  }
  CHECK(j["summary"]["CM02"]["abs_rel_error_to_closed_form"]["max"].get<double>() < 0.005);
}

TEST_CASE("fidelity: a reference in seconds and one in cycles with a clock join to the points") {
  auto s = fidelity("--models CM02 --reference tests/data/fidelity/reference-seconds.csv");
  CHECK(s["reference"]["unit"] == "seconds");
  CHECK(s["points"][0]["reference"]["ratio_to_reference"]["CM02"]["time_s"].get<double>() == doctest::Approx(1 / 1.1).epsilon(0.005));
  CHECK(s["points"][1]["reference"]["ratio_to_reference"]["CM02"]["time_s"].get<double>() == doctest::Approx(1 / 1.2).epsilon(0.005));
  // mean |ours / reference - 1| = (1 - 1/1.1 + 1 - 1/1.2) / 2
  CHECK(s["summary"]["CM02"]["abs_rel_error_to_reference"]["mean"].get<double>() ==
        doctest::Approx((2 - 1 / 1.1 - 1 / 1.2) / 2).epsilon(0.01));
  auto c = fidelity("--models CM02 --reference tests/data/fidelity/reference-cycles.csv");
  CHECK(c["points"][0]["reference"]["times"]["time_s"].get<double>() == doctest::Approx(kP2p * 1.1).epsilon(1e-9));
  CHECK_FALSE(c["points"][1].contains("reference"));  // only the p2p point has a reference
}

TEST_CASE("fidelity: bad references and options are clear errors") {
  auto missing = run_cli(std::string("fidelity --models CM02 ") + kSweep + " --reference tests/data/fidelity/reference-missing-time.csv");
  CHECK(missing.exit_code == 2);
  CHECK(missing.err.find("latency: unknown column") != std::string::npos);
  auto no_time = run_cli(std::string("fidelity --models CM02 ") + kSweep + " --reference tests/data/fidelity/reference-no-time.csv");
  CHECK(no_time.exit_code == 2);
  CHECK(no_time.err.find("no time column") != std::string::npos);
  auto unknown = run_cli(std::string("fidelity --models CM02 ") + kSweep + " --reference tests/data/fidelity/reference-unknown-point.csv");
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.err.find("reference-unknown-point.csv:2") != std::string::npos);
  CHECK(unknown.err.find("names no point of the sweep") != std::string::npos);
  CHECK(run_cli(std::string("fidelity --models CM03 ") + kSweep).exit_code == 2);
  CHECK(run_cli(std::string("fidelity --models CM02 --points 7 ") + kSweep).exit_code == 2);
  CHECK(run_cli("fidelity --models CM02 /no/such/sweep.toml").exit_code == 2);
}

TEST_CASE("fidelity: payload efficiency 0.73 makes a bandwidth-bound transfer take 1/0.73 as long") {
  auto full = fidelity("--models CM02 --points 0");
  auto packets = fidelity("--models CM02 --points 0 --payload-efficiency 0.73");
  double t1 = full["points"][0]["models"]["CM02"]["time_s"].get<double>() - a;  // the bandwidth-bound part
  double t2 = packets["points"][0]["models"]["CM02"]["time_s"].get<double>() - a;
  CHECK(t2 / t1 == doctest::Approx(1 / 0.73).epsilon(0.005));
  CHECK(packets["payload_efficiency"].get<double>() == 0.73);
}
