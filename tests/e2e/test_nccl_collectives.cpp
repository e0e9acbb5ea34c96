// Issue 16.2: collectives under NCCL's model (collectives/nccl_model.hpp) against the published
// 8 x H100 SXM figures (NCCL maintainers and users, quoted in issue 16):
//   - NCCL_ALGO=RING all-reduce bus bandwidth 365-370 GB/s at 2-4 GiB for 2 to 8 GPUs: FITTED
//     (the NVLink payload efficiency 0.817 = 367.5 / 450); each GPU count within 5 % of 367.5;
//   - NVLS all-reduce ~480 GB/s bus bandwidth on 8 GPUs: FITTED (nvls_efficiency 0.8395);
//   - NVLS with 4 GPUs "stays at ~370": NOT fitted, a prediction, checked within 5 %;
//   - 256 MiB below the peak (the per-op latency still shows).
// And across nodes: a ring over 2 nodes x 8 GPUs runs one ring per rail, so every NIC carries
// 1/8 of the data, against one NIC for the flat ring of the plain flow model.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "tests/approx.hpp"
#include "tests/e2e/cli_runner.hpp"

using chimera::test::approx;
using chimera::test::run_cli;

namespace {

constexpr double GiB = 1024.0 * 1024 * 1024;
const char* kH100 = "platforms/nvswitch-h100-8.xml";

nlohmann::json collective(const std::string& args) {
  auto r = run_cli("collective --json " + args);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  return nlohmann::json::parse(r.out);
}

std::string ranks(int n) { return "--ranks 0-" + std::to_string(n - 1); }

}  // namespace

TEST_CASE("8 x H100 ring all-reduce: 365-370 GB/s bus bandwidth at 2-4 GiB for 2, 4 and 8 GPUs") {
  for (int n : {2, 4, 8}) {
    auto j = collective(std::string("--op allreduce --algo ring --sizes 2GiB,4GiB --platform ") + kH100 + " " + ranks(n));
    for (const auto& row : j["rows"]) {
      CAPTURE(n);
      CHECK(row["busbw_Bps"].get<double>() == approx(367.5e9).epsilon(0.05));
      CHECK(row["protocol"] == "Simple");
      CHECK(row["resolved_algorithm"] == "ring");
    }
  }
  // 256 MiB is too small to reach the peak: NCCL's per-op latency (8.4 + 14 x 3.4 us) shows.
  auto small = collective(std::string("--op allreduce --algo ring --sizes 256MiB --platform ") + kH100 + " " + ranks(8));
  CHECK(small["rows"][0]["busbw_Bps"].get<double>() < 0.97 * 367.5e9);
}

TEST_CASE("8 x H100 NVLS all-reduce: ~480 GB/s on 8 GPUs (fitted), ~370 on 4 (predicted), auto picks it") {
  auto eight = collective(std::string("--op allreduce --sizes 4GiB --platform ") + kH100 + " " + ranks(8));
  CHECK(eight["rows"][0]["resolved_algorithm"] == "nvls");
  CHECK(eight["rows"][0]["busbw_Bps"].get<double>() == approx(480e9).epsilon(0.05));
  CHECK(eight["rows"][0]["algbw_Bps"].get<double>() == approx(275e9).epsilon(0.05));
  auto four = collective(std::string("--op allreduce --algo nvls --sizes 4GiB --platform ") + kH100 + " " + ranks(4));
  CHECK(four["rows"][0]["busbw_Bps"].get<double>() == approx(370e9).epsilon(0.05));
  // Two GPUs: NVLS would move 1.5 M per port at 0.84 of the port, the ring M: NCCL's model keeps the ring.
  auto two = collective(std::string("--op allreduce --sizes 4GiB --platform ") + kH100 + " " + ranks(2));
  CHECK(two["rows"][0]["resolved_algorithm"] == "ring");
  // Small all-reduces run the LL ring: 6.6 + 14 x 0.6 us of NCCL latency, under NVLS's 25 us.
  auto tiny = collective(std::string("--op allreduce --sizes 8KiB --platform ") + kH100 + " " + ranks(8));
  CHECK(tiny["rows"][0]["resolved_algorithm"] == "ring");
  CHECK(tiny["rows"][0]["protocol"] == "LL");
}

TEST_CASE("the text table says what auto picked") {
  auto r = run_cli(std::string("collective --op allreduce --sizes 8KiB,4GiB --platform ") + kH100);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("ring/LL") != std::string::npos);
  CHECK(r.out.find("nvls/Simple") != std::string::npos);
}

TEST_CASE("a forced protocol (NCCL_PROTO) and its errors") {
  auto j = collective(std::string("--op allreduce --algo ring --protocol LL --sizes 64MiB --platform ") + kH100);
  CHECK(j["rows"][0]["protocol"] == "LL");
  // LL moves 4 wire bytes per payload byte (tuning.cc: 1/4 of Simple's bus bandwidth).
  CHECK(j["rows"][0]["busbw_Bps"].get<double>() == approx(367.5e9 / 4).epsilon(0.05));
  auto bad = run_cli(std::string("collective --op allreduce --protocol LL64 --platform ") + kH100);
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("--protocol") != std::string::npos);
  CHECK(bad.err.find("unknown protocol 'LL64'") != std::string::npos);
  CHECK(bad.err.find("auto, LL, LL128, Simple") != std::string::npos);
  auto no_nvls = run_cli("collective --op allreduce --algo nvls --platform platforms/nvswitch-a100-8.xml");
  CHECK(no_nvls.exit_code == 2);
  CHECK(no_nvls.err.find("nvls needs an NVSwitch that reduces in the switch") != std::string::npos);
}

TEST_CASE("across nodes a ring runs one ring per rail: every NIC carries 1/8, not one NIC all") {
  // Two DGX-H100-like nodes, 8 x 50 GB/s NICs each (tests/data/cluster-2x8-h100*.xml).
  const double M = 1 * GiB, n = 16;
  auto rails = collective("--op allreduce --algo ring --sizes 1GiB --ranks 0-15 --platform tests/data/cluster-2x8-h100.xml");
  auto flat = collective("--op allreduce --algo ring --sizes 1GiB --ranks 0-15 --platform tests/data/cluster-2x8-h100-flows.xml");
  // Rails: each NIC carries one ring's 2(n-1)/n x M/8 at 50 GB/s (the NVLink hops, 7/8 of it at
  // 367.6 GB/s, take 4.8 ms, less).
  CHECK(rails["rows"][0]["time_s"].get<double>() == approx(2 * (n - 1) / n * M / 8 / 50e9).epsilon(0.05));
  // Flat: one ring crosses each node boundary through one NIC: 2(n-1)/n x M at 50 GB/s.
  CHECK(flat["rows"][0]["time_s"].get<double>() == approx(2 * (n - 1) / n * M / 50e9).epsilon(0.05));
  auto gather = collective("--op allgather --sizes 1GiB --ranks 0-15 --platform tests/data/cluster-2x8-h100.xml");
  CHECK(gather["rows"][0]["resolved_algorithm"] == "ring");
  CHECK(gather["rows"][0]["time_s"].get<double>() == approx((n - 1) / n * M / 8 / 50e9).epsilon(0.05));
}
