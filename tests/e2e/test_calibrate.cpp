// Issue 16.5: `chimera-sim calibrate` reads nccl-tests output, fits the platform and writes it.
// The samples under tests/data/nccl-tests/ are synthesised by make_samples.py (not measured)
// with NVLink at 450 GB/s x 0.8167 for NCCL's Simple protocol: calibrating a board that
// starts at the full 450 GB/s must find that share (within 5 %) and then meet the sizes it was
// fitted on within 5 %.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/approx.hpp"
#include "tests/e2e/cli_runner.hpp"

using chimera::test::approx;
using chimera::test::run_cli;
using chimera::test::temp_dir;

namespace {

const std::string kAllReduce = "tests/data/nccl-tests/all_reduce_perf-h100-ring.txt";
const std::string kSendRecv = "tests/data/nccl-tests/sendrecv_perf-h100.txt";

struct Dir {
  std::string path = temp_dir();
  ~Dir() { std::filesystem::remove_all(path); }
  std::string file(const std::string& name, const std::string& text) const {
    std::string p = path + "/" + name;
    std::ofstream(p) << text;
    return p;
  }
};

void expect_one_error(const chimera::test::CliResult& r, std::initializer_list<std::string> fragments) {
  CAPTURE(r.err);
  CHECK(r.exit_code == 2);
  CHECK(r.err.rfind("error: ", 0) == 0);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  for (const auto& f : fragments) CHECK(r.err.find(f) != std::string::npos);
}

const std::string kHeader =
    "# nThread 1 nGpus 2 minBytes 8 maxBytes 16 step: 2(factor) warmup iters: 5 iters: 20 agg iters: 1 validation: 1 graph: 0\n"
    "#\n# Using devices\n"
    "#  Rank  0 Group  0 Pid 1 on host device  0 [0x18] NVIDIA H100 80GB HBM3\n"
    "#  Rank  1 Group  0 Pid 1 on host device  1 [0x2a] NVIDIA H100 80GB HBM3\n#\n";

}  // namespace

TEST_CASE("calibrate finds NCCL Simple's NVLink share from a full-rate board and meets the fitted sizes") {
  Dir d;
  auto gen = run_cli("platform gen nvswitch --preset h100 --payload-efficiency 1 -o " + d.path + "/full.xml");
  REQUIRE_MESSAGE(gen.exit_code == 0, gen.err);
  auto r = run_cli("calibrate --platform " + d.path + "/full.xml -o " + d.path + "/cal.xml --algo ring --rounds 2 --json " +
                   kAllReduce + " " + kSendRecv);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  auto j = nlohmann::json::parse(r.out);
  bool found = false;
  for (const auto& p : j["parameters"])
    if (p["parameter"] == "payload_efficiency[nvlink]") {
      found = true;
      CHECK(p["before"].get<double>() == 1.0);
      CHECK(p["after"].get<double>() == approx(0.8167).epsilon(0.05));
    }
  CHECK(found);
  // Sendrecv's per-call cost (6 us in the sample) has no parameter under NCCL's model
  // (calibration/calibrate.hpp): its bandwidth-bound sizes from 64 MiB are met, smaller ones not.
  for (const auto& run : j["runs"]) {
    CAPTURE(run["file"].get<std::string>());
    for (const auto& row : run["rows"]) {
      if (row["fit"] != "bandwidth" || row["bytes"].get<double>() < 64.0 * 1024 * 1024) continue;
      CHECK(std::abs(row["residual_after"].get<double>()) < 0.05);
      CHECK(std::abs(row["residual_after"].get<double>()) <= std::abs(row["residual_before"].get<double>()) + 0.01);
    }
  }
  // The latency-bound all-reduce sizes set NCCL's latency scale and are then met within 5 %.
  for (const auto& row : j["runs"][0]["rows"])
    if (row["fit"] == "latency") CHECK(std::abs(row["residual_after"].get<double>()) < 0.05);
  // The written platform loads and carries the fitted values.
  auto check = run_cli("platform check " + d.path + "/cal.xml");
  CHECK_MESSAGE(check.exit_code == 0, check.err);
  std::ifstream in(d.path + "/cal.xml");
  std::string xml((std::istreambuf_iterator<char>(in)), {});
  CHECK(xml.find("<prop id=\"payload_efficiency\"") != std::string::npos);
  CHECK(xml.find("<prop id=\"collective_latency_scale\"") != std::string::npos);
  CHECK(xml.find("Calibrated by chimera-sim calibrate") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(d.path + "/cal.xml.round.xml"));
}

TEST_CASE("calibrate prints measured against simulated per size") {
  Dir d;
  auto r = run_cli("calibrate --platform platforms/nvswitch-h100-8.xml --rounds 1 --algo ring -o " + d.path + "/c.xml " +
                   kSendRecv);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.out.find("payload_efficiency[nvlink]") != std::string::npos);
  CHECK(r.out.find("sendrecv_perf") != std::string::npos);
  CHECK(r.out.find("mean |residual|") != std::string::npos);
  CHECK(r.out.find("8 GiB") != std::string::npos);
}

TEST_CASE("calibrate: bad nccl-tests input is one error naming file, line and what would be valid") {
  Dir d;
  const std::string p = " --platform platforms/nvswitch-h100-8.xml -o " + d.path + "/out.xml ";
  expect_one_error(run_cli("calibrate" + p + d.file("all_reduce_perf.txt", kHeader + "  8  2  float  sum  -1  abc  0.00  0.00  0  1.0  0.00  0.00  0\n")),
                   {"all_reduce_perf.txt:7:", "time", "'abc' is not a positive time in microseconds"});
  expect_one_error(run_cli("calibrate" + p + d.file("all_reduce_perf2.txt", kHeader + "  8  2  float  sum\n")),
                   {"all_reduce_perf2.txt:7:", "4 columns where nccl-tests prints 13 (or 11)"});
  expect_one_error(run_cli("calibrate" + p + d.file("all_reduce_perf3.txt", kHeader)),
                   {"all_reduce_perf3.txt", "no data rows"});
  expect_one_error(
      run_cli("calibrate" + p + d.file("all_reduce_perf4.txt", "  8  2  float  sum  -1  19.5  0.00  0.00  0  19.3  0.00  0.00  0\n")),
      {"all_reduce_perf4.txt", "rank count is unknown", "paste the whole output"});
  expect_one_error(run_cli("calibrate" + p + d.file("measured.txt", kHeader + "  8  2  float  sum  -1  19.5  0.00  0.00  0  19.3  0.00  0.00  0\n")),
                   {"measured.txt", "cannot tell which nccl-tests binary", "all_reduce_perf"});
  expect_one_error(run_cli("calibrate" + p + d.path + "/missing_perf.txt"), {"missing_perf.txt", "cannot open the file"});
  expect_one_error(run_cli("calibrate" + p + "--test broadcast_perf " + kAllReduce),
                   {"--test", "unknown test 'broadcast_perf'", "sendrecv_perf"});
  expect_one_error(run_cli("calibrate" + p + "--algo tree " + kAllReduce), {"--algo", "auto, ring, nvls"});
  CHECK_FALSE(std::filesystem::exists(d.path + "/out.xml"));
}

TEST_CASE("the nccl-tests test comes from the '# Collective test starting' line, or --test") {
  Dir d;
  const std::string rows = "  64  16  float  sum  -1  19.5  0.00  0.00  0  19.3  0.00  0.00  0\n";
  auto r = run_cli("calibrate --platform platforms/nvswitch-h100-8.xml --rounds 1 --json -o " + d.path + "/o.xml " +
                   d.file("a.txt", "# Collective test starting: all_gather_perf\n" + kHeader + rows));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(nlohmann::json::parse(r.out)["runs"][0]["test"] == "all_gather_perf");
  auto f = run_cli("calibrate --platform platforms/nvswitch-h100-8.xml --rounds 1 --json --test reduce_scatter_perf -o " +
                   d.path + "/o.xml " + d.file("b.txt", kHeader + rows));
  REQUIRE_MESSAGE(f.exit_code == 0, f.err);
  CHECK(nlohmann::json::parse(f.out)["runs"][0]["test"] == "reduce_scatter_perf");
}
