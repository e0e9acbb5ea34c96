// Issue 7: fidelity runs the same points under CM02, LV08 and ns-3, the flow-level result
// equals the closed form, references in seconds or cycles join to the points, and bad
// references are clear errors.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/approx.hpp"
#include "tests/e2e/cli_runner.hpp"

using chimera::test::run_cli;
using chimera::test::approx;

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
  // ns-3 (TCP tuned: 9000-byte MTU, 8960-byte segments, 100-segment initial window, so no
  // message here waits for an ACK to grow its window) pays per message at least the handshake's
  // round trip 2a before any payload; at most three round trips 6a (handshake, last ACK), each packet's
  // 42 header bytes (9002 on the wire for 8960 of payload) and store-and-forward of one packet
  // at the switch and the receiving port (2 x 9002 / B). The p2p moves 1 message, the ring
  // 2(n-1) = 14 messages one after the other.
  const int messages[] = {1, 14};
  const double packet = 9002 / B, wire = 9002.0 / 8960;
  CHECK(j["ns3_tuning"]["description"] ==
        "9000-byte MTU, 8960-byte segments, 256 MiB send buffers, 256 MiB receive buffers, 100-segment initial window");
  for (int p = 0; p < 2; ++p) {
    const auto& row = j["points"][p];
    CAPTURE(p);
    CHECK(row["closed_form_s"].get<double>() == approx(expected[p]).epsilon(1e-9));
    CHECK(row["models"]["CM02"]["time_s"].get<double>() == approx(expected[p]).epsilon(0.005));
    // LV08 multiplies latencies by 13.01 and bandwidth by 0.97: always slower than CM02 here
    CHECK(row["models"]["LV08"]["time_s"].get<double>() > row["models"]["CM02"]["time_s"].get<double>());
    REQUIRE(row["models"]["ns-3"].contains("time_s"));
    const double ns3 = row["models"]["ns-3"]["time_s"].get<double>();
    CHECK(ns3 >= expected[p] + messages[p] * 2 * a);
    CHECK(ns3 <= expected[p] * wire + messages[p] * (6 * a + 2 * packet));
    for (const char* m : {"CM02", "LV08", "ns-3"}) CHECK(row["models"][m]["wall_s"].get<double>() >= 0);
  }
  CHECK(j["summary"]["CM02"]["abs_rel_error_to_closed_form"]["max"].get<double>() < 0.005);
}

TEST_CASE("run under ns-3 reports the TCP settings it applied, in the text and the JSON report") {
  const std::string dir = chimera::test::temp_dir();
  std::ofstream(dir + "/s.toml") << R"(schema = 1
[model]
layers = 1
hidden = 64
heads = 2
vocab = 8
sequence = 8
micro_batch = 1
[parallel]
tp = 2
[platform]
file = ")" + chimera::test::source_path("tests/data/star8-50GBps-1us-ns3.xml") +
                                         R"("
[network]
model = "ns-3"
[compute]
preset = "a100"
)";
  const std::string applied =
      "9000-byte MTU, 8960-byte segments, 256 MiB send buffers, 256 MiB receive buffers, 100-segment initial window";
  auto r = run_cli("run '" + dir + "/s.toml' --json");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const auto network = nlohmann::json::parse(r.out)["inputs"]["network"];
  CHECK(network["description"] == "ns-3 (packet-level TCP: " + applied + ")");
  const std::pair<const char*, const char*> settings[] = {{"ns3::PointToPointNetDevice::Mtu", "9000"},
                                                          {"ns3::TcpSocket::SegmentSize", "8960"},
                                                          {"ns3::TcpSocket::SndBufSize", "268435456"},
                                                          {"ns3::TcpSocket::RcvBufSize", "268435456"},
                                                          {"ns3::TcpSocket::InitialCwnd", "100"}};
  REQUIRE(network["ns3_tuning"].size() == 5);
  for (std::size_t i = 0; i < 5; ++i) {
    CHECK(network["ns3_tuning"][i]["attribute"] == settings[i].first);
    CHECK(network["ns3_tuning"][i]["value"] == settings[i].second);
    CHECK(network["ns3_tuning"][i]["status"] == "applied");
  }
  auto text = run_cli("run '" + dir + "/s.toml'");
  CHECK(text.out.find("  network    ns-3 (packet-level TCP: " + applied + ")\n") != std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("fidelity: a reference in seconds and one in cycles with a clock join to the points") {
  auto s = fidelity("--models CM02 --reference tests/data/fidelity/reference-seconds.csv");
  CHECK(s["reference"]["unit"] == "seconds");
  CHECK(s["points"][0]["reference"]["ratio_to_reference"]["CM02"]["time_s"].get<double>() == approx(1 / 1.1).epsilon(0.005));
  CHECK(s["points"][1]["reference"]["ratio_to_reference"]["CM02"]["time_s"].get<double>() == approx(1 / 1.2).epsilon(0.005));
  // mean |ours / reference - 1| = (1 - 1/1.1 + 1 - 1/1.2) / 2
  CHECK(s["summary"]["CM02"]["abs_rel_error_to_reference"]["mean"].get<double>() ==
        approx((2 - 1 / 1.1 - 1 / 1.2) / 2).epsilon(0.01));
  auto c = fidelity("--models CM02 --reference tests/data/fidelity/reference-cycles.csv");
  CHECK(c["points"][0]["reference"]["times"]["time_s"].get<double>() == approx(kP2p * 1.1).epsilon(1e-9));
  CHECK_FALSE(c["points"][1].contains("reference"));  // only the p2p point has a reference
}

TEST_CASE("fidelity: bad references and options are clear errors") {
  const std::string models = std::string("fidelity --models CM02 ") + kSweep;
  const std::pair<std::string, std::string> cases[] = {
      {models + " --reference tests/data/fidelity/reference-missing-time.csv",
       "error: tests/data/fidelity/reference-missing-time.csv:1:3: latency: unknown column (valid: case, bytes, and "
       "time_s, or time_cycles with clock_ghz)"},
      {models + " --reference tests/data/fidelity/reference-no-time.csv",
       "error: tests/data/fidelity/reference-no-time.csv:1: no time column (valid: a column time_s, or time_cycles with "
       "a clock)"},
      {std::string("fidelity --models CM03 ") + kSweep, "error: --models: unknown model 'CM03' (valid: CM02, LV08, ns-3)"},
      {std::string("fidelity --models CM02 --points 7 ") + kSweep, "error: --points: point 7 does not exist (valid: 0 to 1)"},
      {"fidelity --models CM02 /no/such/sweep.toml",
       "error: /no/such/sweep.toml: file not found (valid: a path to an existing TOML file)"},
  };
  for (const auto& [args, message] : cases) {
    CAPTURE(args);
    auto r = run_cli(args);
    CHECK(r.exit_code == 2);
    CHECK(r.err == message + "\n");
  }
  auto unknown = run_cli(models + " --reference tests/data/fidelity/reference-unknown-point.csv");
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.err.rfind("error: tests/data/fidelity/reference-unknown-point.csv:2: names no point of the sweep (valid: "
                          "values of the sweep's axes: case, bytes",
                          0) == 0);
}

TEST_CASE("fidelity: payload efficiency 0.73 makes a bandwidth-bound transfer take 1/0.73 as long") {
  auto full = fidelity("--models CM02 --points 0");
  auto packets = fidelity("--models CM02 --points 0 --payload-efficiency 0.73");
  double t1 = full["points"][0]["models"]["CM02"]["time_s"].get<double>() - a;  // the bandwidth-bound part
  double t2 = packets["points"][0]["models"]["CM02"]["time_s"].get<double>() - a;
  CHECK(t2 / t1 == approx(1 / 0.73).epsilon(0.005));
  CHECK(packets["payload_efficiency"].get<double>() == 0.73);
}
