// Issues 9 and 16.4: NVSwitch port contention, receiver-side. GPU 0's receive (DOWN) port
// carries B x efficiency(n) with n flows arriving at once, shared fairly: n peers sending X
// bytes each finish after latency + n X / (B efficiency(n)). The per-GPU bandwidth
// n X / (time - latency) thus follows the curve; a sender's egress is not derated; with
// contention off (the default) it is B whatever n. Payload efficiency 1 throughout (the
// generator's NCCL default would scale B).
#include <doctest/doctest.h>

#include <string>

#include "platforms/contention.hpp"
#include "platforms/generator_registry.hpp"
#include "tests/approx.hpp"
#include "tests/unit/platform_test_util.hpp"

using chimera::generate_from_cli;
using chimera::test::PlatformRun;
using chimera::test::Transfer;
using chimera::test::approx;

namespace {

constexpr double X = 256.0 * 1024 * 1024;  // bytes per peer
constexpr double B = 300e9;                 // a100 port, per direction
constexpr double L = 1e-6;                  // two ports of 0.5 us

std::vector<Transfer> peers_to_gpu0(int n) {
  std::vector<Transfer> v;
  for (int p = 1; p <= n; ++p) v.push_back({"gpu" + std::to_string(p), "gpu0", X});
  return v;
}

// Per-GPU receive bandwidth of a batch where n peers send X each to GPU 0.
double per_gpu_bandwidth(const std::vector<double>& times, int n) {
  double last = 0;
  for (double t : times) last = std::max(last, t);
  return n * X / (last - L);
}

}  // namespace

TEST_CASE("the default curve falls linearly from 1 to 0.5 at 7 peers") {
  chimera::ContentionCurve c = chimera::linear_contention(7, 0.5);
  CHECK(c.at(0) == 1.0);
  CHECK(c.at(1) == 1.0);
  CHECK(c.at(4) == approx(1 - 0.5 * 3 / 6));
  CHECK(c.at(7) == approx(0.5));
  CHECK(c.at(12) == approx(0.5));  // beyond the list: the last value
  std::string problem;
  CHECK_FALSE(chimera::parse_contention("1,0.5,1.5", problem));
  CHECK(problem.find("outside (0, 1]") != std::string::npos);
  CHECK_FALSE(chimera::parse_contention("1,,0.5", problem));
  auto parsed = chimera::parse_contention(chimera::format_contention(c), problem);
  REQUIRE(parsed);
  CHECK(parsed->efficiency == c.efficiency);
}

const std::vector<std::string> kPlain = {"--payload-efficiency", "1"};

static std::vector<std::string> plain(std::vector<std::string> more) {
  more.insert(more.end(), kPlain.begin(), kPlain.end());
  return more;
}

TEST_CASE("nvswitch contention when asked for: 1 peer at full speed - 7 peers at about half, receiving ports only") {
  auto run = PlatformRun(generate_from_cli("nvswitch", plain({"--contention"})).xml, false);
  CHECK(run.loaded.contention_links == 8);  // the DOWN half of each of the 8 ports
  auto t = run.time({peers_to_gpu0(1), peers_to_gpu0(4), peers_to_gpu0(7)});
  CHECK(per_gpu_bandwidth(t[0], 1) == approx(B).epsilon(0.005));
  CHECK(per_gpu_bandwidth(t[1], 4) == approx(B * (1 - 0.5 * 3 / 6)).epsilon(0.005));
  CHECK(per_gpu_bandwidth(t[2], 7) == approx(B * 0.5).epsilon(0.005));
  // Fair share: the 7 flows finish together.
  for (double x : t[2]) CHECK(x == approx(L + 7 * X / (B * 0.5)).epsilon(0.005));
}

TEST_CASE("nvswitch contention does not derate a sender's egress: gpu0 to 7 peers at B") {
  auto run = PlatformRun(generate_from_cli("nvswitch", plain({"--contention"})).xml, false);
  std::vector<Transfer> out;
  for (int p = 1; p <= 7; ++p) out.push_back({"gpu0", "gpu" + std::to_string(p), X});
  auto t = run.time({out});
  for (double x : t[0]) CHECK(x == approx(L + 7 * X / B).epsilon(0.005));
}

TEST_CASE("nvswitch contention is off by default") {
  auto run = PlatformRun(generate_from_cli("nvswitch", kPlain).xml, false);
  CHECK(run.loaded.contention_links == 0);
  auto t = run.time({peers_to_gpu0(7)});
  CHECK(per_gpu_bandwidth(t[0], 7) == approx(B).epsilon(0.005));
}

TEST_CASE("nvswitch with an explicit curve") {
  auto run = PlatformRun(generate_from_cli("nvswitch", plain({"--contention", "--contention-curve", "1,0.8,0.6"})).xml, false);
  auto t = run.time({peers_to_gpu0(2), peers_to_gpu0(3), peers_to_gpu0(6)});
  CHECK(per_gpu_bandwidth(t[0], 2) == approx(0.8 * B).epsilon(0.005));
  CHECK(per_gpu_bandwidth(t[1], 3) == approx(0.6 * B).epsilon(0.005));
  CHECK(per_gpu_bandwidth(t[2], 6) == approx(0.6 * B).epsilon(0.005));  // last value holds
}

TEST_CASE("nvswitch with contention off: 1 and 7 peers give the same per-GPU bandwidth") {
  auto run = PlatformRun(generate_from_cli("nvswitch", plain({"--no-contention"})).xml, false);
  CHECK(run.loaded.contention_links == 0);
  auto t = run.time({peers_to_gpu0(1), peers_to_gpu0(7)});
  CHECK(per_gpu_bandwidth(t[0], 1) == approx(B).epsilon(0.005));
  CHECK(per_gpu_bandwidth(t[1], 7) == approx(B).epsilon(0.005));
}

TEST_CASE("nvswitch backplane: a shared link crossed by every route") {
  // Backplane 600 GB/s, no contention: 4 disjoint pairs at once share it (150 GB/s each).
  auto run = PlatformRun(generate_from_cli("nvswitch", plain({"--no-contention", "--backplane-bandwidth", "600GBps"})).xml, false);
  auto t = run.time({{{"gpu0", "gpu1", X}}, {{"gpu0", "gpu1", X}, {"gpu2", "gpu3", X}, {"gpu4", "gpu5", X}, {"gpu6", "gpu7", X}}});
  CHECK(t[0][0] == approx(L + X / B).epsilon(0.005));
  for (double x : t[1]) CHECK(x == approx(L + X / 150e9).epsilon(0.005));
}
