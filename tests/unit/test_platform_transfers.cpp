// Issue 9: for each generator, a lone point-to-point transfer takes the route's summed latency
// plus bytes / bottleneck bandwidth (CM02), within 0.5 %; concurrent transfers share the links
// the generator says they share. Each closed form is written out from the generator's
// documented figures, not read back from the platform.
#include <doctest/doctest.h>

#include "platforms/generator_registry.hpp"
#include "tests/approx.hpp"
#include "tests/unit/platform_test_util.hpp"

using chimera::generate_from_cli;
using chimera::test::PlatformRun;
using chimera::test::approx;

namespace {

constexpr double GiB = 1024.0 * 1024 * 1024;
constexpr double MiB = 1024.0 * 1024;

PlatformRun generated(const std::string& kind, const std::vector<std::string>& args) {
  return PlatformRun(generate_from_cli(kind, args).xml, false);
}

}  // namespace

TEST_CASE("nvswitch: one transfer crosses two ports (B = 300 GB/s for a100 - 0.5 us each)") {
  auto run = generated("nvswitch", {"--payload-efficiency", "1"});  // NCCL's Simple share off
  auto t = run.time({{{"gpu0", "gpu5", GiB}}, {{"gpu7", "gpu2", 64 * MiB}}});
  CHECK(t[0][0] == approx(2 * 0.5e-6 + GiB / 300e9).epsilon(0.005));
  CHECK(t[1][0] == approx(2 * 0.5e-6 + 64 * MiB / 300e9).epsilon(0.005));
}

TEST_CASE("nvswitch h100 preset: 450 GB/s per port") {
  auto run = generated("nvswitch", {"--preset", "h100", "--gpus", "4", "--payload-efficiency", "1"});
  auto t = run.time({{{"gpu0", "gpu3", GiB}}});
  CHECK(t[0][0] == approx(1e-6 + GiB / 450e9).epsilon(0.005));
}

TEST_CASE("pcie: same socket vs across sockets differ as the configured links say") {
  // Inter-socket link made the bottleneck (10 GB/s < PCIe 26 GB/s) so the difference shows in
  // bandwidth as well as in latency. Same socket: 2 PCIe links (0.5 us each), 26 GB/s.
  // Across: + the inter-socket link (0.1 us), bottleneck 10 GB/s.
  auto run = generated("pcie", {"--inter-socket-bandwidth", "10GBps"});
  auto t = run.time({{{"gpu0", "gpu3", GiB}}, {{"gpu1", "gpu6", GiB}}, {{"gpu7", "gpu0", GiB}}});
  CHECK(t[0][0] == approx(1e-6 + GiB / 26e9).epsilon(0.005));
  CHECK(t[1][0] == approx(1.1e-6 + GiB / 10e9).epsilon(0.005));
  CHECK(t[2][0] == approx(1.1e-6 + GiB / 10e9).epsilon(0.005));
}

TEST_CASE("pcie --no-p2p: staged through the receiver's host memory - written and read back") {
  // Host memory 40 GB/s crossed twice -> 20 GB/s for staged traffic, below PCIe's 26 GB/s;
  // latency: 2 x 0.5 us PCIe + 2 x 0.1 us memory (+ 0.1 us inter-socket across sockets).
  auto run = generated("pcie", {"--no-p2p", "--host-memory-bandwidth", "40GBps"});
  auto t = run.time({{{"gpu0", "gpu1", GiB}}, {{"gpu2", "gpu5", GiB}}});
  const double same = 1.2e-6 + GiB / 20e9, cross = 1.3e-6 + GiB / 20e9;
  CHECK(t[0][0] == approx(same).epsilon(0.005));
  CHECK(t[1][0] == approx(cross).epsilon(0.005));
  // Slower than the same transfers with P2P (1 us + GiB / 26 GB/s), as modelled.
  CHECK(t[0][0] > 1e-6 + GiB / 26e9);
}

TEST_CASE("pcie --no-p2p with the default figures: slower by the staging latency only") {
  // 204.8 GB/s DRAM / 2 = 102.4 GB/s > 26 GB/s: PCIe stays the bottleneck; +0.2 us of memory.
  auto run = generated("pcie", {"--no-p2p"});
  auto t = run.time({{{"gpu0", "gpu1", 256 * MiB}}});
  CHECK(t[0][0] == approx(1.2e-6 + 256 * MiB / 26e9).epsilon(0.005));
}

TEST_CASE("pcie with switches of 2 GPUs: peers behind one switch skip the uplink - others share it") {
  auto run = generated("pcie", {"--gpus-per-switch", "2"});
  // gpu0, gpu1 behind switch 0; gpu2, gpu3 behind switch 1 (socket 0). Uplinks 26 GB/s, 0.15 us.
  auto t = run.time({{{"gpu0", "gpu1", GiB}},
                     {{"gpu0", "gpu2", GiB}},
                     {{"gpu0", "gpu2", GiB}, {"gpu1", "gpu3", GiB}}});
  CHECK(t[0][0] == approx(1e-6 + GiB / 26e9).epsilon(0.005));
  CHECK(t[1][0] == approx(1.3e-6 + GiB / 26e9).epsilon(0.005));
  // Two flows through switch 0's uplink (UP) and switch 1's (DOWN): 13 GB/s each.
  CHECK(t[2][0] == approx(1.3e-6 + GiB / 13e9).epsilon(0.005));
  CHECK(t[2][1] == approx(1.3e-6 + GiB / 13e9).epsilon(0.005));
}

TEST_CASE("mesh2d 5x5: dimension-order routes - 100 ns per channel - 1 ns injection - 50 GB/s") {
  auto run = generated("mesh2d", {});
  // gpu0 (0,0) -> gpu24 (4,4): 8 channels; gpu12 (2,2) -> gpu13 (3,2): 1; gpu20 (0,4) -> gpu4 (4,0): 8.
  // x first: gpu0 -> gpu6 ((1,1)) crosses r0-x+ then r1-y+; gpu1 -> gpu11 ((1,2)) crosses r1-y+
  // and r6-y+: they share r1-y+, 25 GB/s each.
  auto t = run.time({{{"gpu0", "gpu24", 64 * MiB}},
                     {{"gpu12", "gpu13", 64 * MiB}},
                     {{"gpu20", "gpu4", 64 * MiB}},
                     {{"gpu0", "gpu6", 64 * MiB}, {"gpu1", "gpu11", 64 * MiB}}});
  CHECK(t[0][0] == approx(802e-9 + 64 * MiB / 50e9).epsilon(0.005));
  CHECK(t[1][0] == approx(102e-9 + 64 * MiB / 50e9).epsilon(0.005));
  CHECK(t[2][0] == approx(802e-9 + 64 * MiB / 50e9).epsilon(0.005));
  CHECK(t[3][0] == approx(202e-9 + 64 * MiB / 25e9).epsilon(0.005));
  CHECK(t[3][1] == approx(202e-9 + 64 * MiB / 25e9).epsilon(0.005));
}

TEST_CASE("torus2d 4x4: the shorter way round - ties (distance 2) go +") {
  auto run = generated("torus2d", {});
  // gpu0 -> gpu3: one hop the - way; gpu0 -> gpu2: two hops (tie, +); gpu0 -> gpu15: -x, -y.
  auto t = run.time({{{"gpu0", "gpu3", MiB}}, {{"gpu0", "gpu2", MiB}}, {{"gpu0", "gpu15", MiB}},
                     // The tie rule puts 0->2 and 1->2 on channel r1-x+: they share it.
                     {{"gpu0", "gpu2", 64 * MiB}, {"gpu1", "gpu3", 64 * MiB}}});
  CHECK(t[0][0] == approx(102e-9 + MiB / 50e9).epsilon(0.005));
  CHECK(t[1][0] == approx(202e-9 + MiB / 50e9).epsilon(0.005));
  CHECK(t[2][0] == approx(202e-9 + MiB / 50e9).epsilon(0.005));
  // 0 -> 2 crosses r0-x+, r1-x+; 1 -> 3 crosses r1-x+, r2-x+: r1-x+ is shared, 25 GB/s each.
  CHECK(t[3][0] == approx(202e-9 + 64 * MiB / 25e9).epsilon(0.005));
  CHECK(t[3][1] == approx(202e-9 + 64 * MiB / 25e9).epsilon(0.005));
}

TEST_CASE("torus3d 2x2x2: one hop per differing dimension") {
  auto run = generated("torus3d", {});
  auto t = run.time({{{"gpu0", "gpu7", MiB}}, {{"gpu0", "gpu4", MiB}}});
  CHECK(t[0][0] == approx(302e-9 + MiB / 50e9).epsilon(0.005));
  CHECK(t[1][0] == approx(102e-9 + MiB / 50e9).epsilon(0.005));
}

TEST_CASE("dgx2 c=8: two links within a switch - three across - one inter-switch link per destination") {
  auto run = generated("dgx2", {});
  auto t = run.time({{{"gpu0", "gpu1", MiB}},
                     {{"gpu0", "gpu9", MiB}},
                     // Different destinations on switch 1 use different inter-switch links: no sharing.
                     {{"gpu0", "gpu9", 64 * MiB}, {"gpu1", "gpu10", 64 * MiB}},
                     // 2 -> 9 (300 ns) and 10 -> 9 (200 ns) share gpu9's port. CM02 divides a link
                     // in inverse proportion to the flows' route latencies (SimGrid's RTT-unfair
                     // sharing): 10 -> 9 gets 30 GB/s, 2 -> 9 20 GB/s, then the port alone; the
                     // port has carried both flows after 2 x 64 MiB / 50 GB/s.
                     {{"gpu2", "gpu9", 64 * MiB}, {"gpu10", "gpu9", 64 * MiB}}});
  CHECK(t[0][0] == approx(200e-9 + MiB / 50e9).epsilon(0.005));
  CHECK(t[1][0] == approx(300e-9 + MiB / 50e9).epsilon(0.005));
  CHECK(t[2][0] == approx(300e-9 + 64 * MiB / 50e9).epsilon(0.005));
  CHECK(t[2][1] == approx(300e-9 + 64 * MiB / 50e9).epsilon(0.005));
  CHECK(t[3][0] == approx(300e-9 + 2 * 64 * MiB / 50e9).epsilon(0.005));
  CHECK(t[3][1] == approx(200e-9 + 64 * MiB / 30e9).epsilon(0.005));
}

TEST_CASE("cluster: NVLink within a node - NICs (400 Gb/s = 50 GB/s) between nodes - uplinks between units") {
  // 40 H100 nodes, rail units of 8 nodes. Within a node: 2 x 0.5 us, 450 GB/s. Same unit:
  // NIC 1 us + unit switch 0.2 us + NIC 1 us, 50 GB/s. Across units: + 2 uplinks of 0.6 us and the
  // destination unit's switch (0.2 us).
  auto run = generated("cluster", {"--nodes", "40", "--nodes-per-unit", "8", "--payload-efficiency", "1"});
  auto t = run.time({{{"node0-gpu0", "node0-gpu1", GiB}},
                     {{"node0-gpu3", "node5-gpu3", GiB}},
                     {{"node0-gpu3", "node39-gpu5", GiB}},
                     // GPU 0 and GPU 1 of node 0 have their own NICs: no sharing.
                     {{"node0-gpu0", "node9-gpu0", GiB}, {"node0-gpu1", "node9-gpu1", GiB}}});
  CHECK(t[0][0] == approx(1e-6 + GiB / 450e9).epsilon(0.005));
  CHECK(t[1][0] == approx(2.2e-6 + GiB / 50e9).epsilon(0.005));
  CHECK(t[2][0] == approx(3.6e-6 + GiB / 50e9).epsilon(0.005));
  CHECK(t[3][0] == approx(3.6e-6 + GiB / 50e9).epsilon(0.005));
  CHECK(t[3][1] == approx(3.6e-6 + GiB / 50e9).epsilon(0.005));
}

TEST_CASE("cluster fat-tree with 2:1 oversubscription: a leaf's uplink carries half its NIC bandwidth") {
  // 2 nodes per leaf x 8 NICs x 50 GB/s = 800 GB/s down, 400 GB/s up. 16 flows from leaf 0's
  // 16 GPUs to leaf 1's: each NIC could carry 50 GB/s, the uplink gives 400 / 16 = 25 GB/s.
  auto run = generated("cluster", {"--nodes", "4", "--fabric", "fat-tree", "--nodes-per-leaf", "2",
                                   "--oversubscription", "2"});
  std::vector<chimera::test::Transfer> batch;
  for (int n = 0; n < 2; ++n)
    for (int g = 0; g < 8; ++g)
      batch.push_back({"node" + std::to_string(n) + "-gpu" + std::to_string(g),
                       "node" + std::to_string(n + 2) + "-gpu" + std::to_string(g), GiB});
  auto t = run.time({batch});
  for (double x : t[0]) CHECK(x == approx(3.6e-6 + GiB / 25e9).epsilon(0.005));
}

TEST_CASE("dragonfly: SimGrid's Aries-like routes - 5.25 GB/s links - 100 ns per hop") {
  // nid0 and nid4 sit on routers 0 and 1 of chassis 0: node link, one green link, node link.
  auto run = generated("dragonfly", {"--groups", "2", "--host-preset", "none"});
  auto t = run.time({{{"nid0", "nid4", 64 * MiB}}, {{"nid0", "nid1", 64 * MiB}}});
  CHECK(t[0][0] == approx(300e-9 + 64 * MiB / 5.25e9).epsilon(0.005));
  CHECK(t[1][0] == approx(200e-9 + 64 * MiB / 5.25e9).epsilon(0.005));
}
