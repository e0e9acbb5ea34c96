// Issue 9: ns-3. A 64 MiB transfer between two GPUs of the ns-3 variant of an NVSwitch board
// (one-link routes through a switch router) runs under ns-3's TCP and agrees with the flow-level
// model within 10 %: flow level = 2 x 0.5 us + 64 MiB / 300 GB/s. Platforms ns-3 cannot run
// are refused with the reason.
#include <doctest/doctest.h>

#include "common/input_error.hpp"
#include "platforms/generator_registry.hpp"
#include "tests/unit/platform_test_util.hpp"

using chimera::generate_from_cli;
using chimera::InputError;
using chimera::NetworkModel;
using chimera::NetworkSettings;
using chimera::test::PlatformRun;

namespace {
NetworkSettings ns3() {
  NetworkSettings n;
  n.model = NetworkModel::NS3;
  return n;
}
}  // namespace

TEST_CASE("ns-3: a 64 MiB transfer agrees with the flow-level model within 10 %") {
  const double bytes = 64.0 * 1024 * 1024;
  const double flow_level = 1e-6 + bytes / 300e9;
  PlatformRun run(generate_from_cli("nvswitch", {"--ns3", "--no-contention"}).xml, false, ns3());
  auto t = run.time({{{"gpu0", "gpu5", bytes}}});
  CHECK(t[0][0] == doctest::Approx(flow_level).epsilon(0.10));
  CHECK(t[0][0] > flow_level);  // packet headers and TCP cost something
}

TEST_CASE("ns-3 refuses routes of more than one link - naming one and the way out") {
  CHECK_THROWS_WITH_AS(PlatformRun(generate_from_cli("mesh2d", {}).xml, false, ns3()),
                       doctest::Contains("cannot run under ns-3: the route gpu0 -> gpu1 has 3 links"), InputError);
}

TEST_CASE("ns-3 refuses a payload efficiency") {
  CHECK_THROWS_WITH_AS(PlatformRun(generate_from_cli("nvswitch", {"--ns3", "--no-contention"}).xml, false, [] {
                         NetworkSettings n = ns3();
                         n.payload_efficiency = 0.73;
                         return n;
                       }()),
                       doctest::Contains("ns-3 models packet headers itself"), InputError);
}

TEST_CASE("ns-3 refuses SimGrid's dragonfly zones") {
  CHECK_THROWS_WITH_AS(PlatformRun(generate_from_cli("dragonfly", {"--groups", "2", "--host-preset", "none"}).xml,
                                   false, ns3()),
                       doctest::Contains("is a SimGrid dragonfly cluster"), InputError);
}

// Two links between the same two points have no ns-3 form of their own (SimGrid keeps one route
// per pair): the dgx2 variant carries its c inter-switch links as one of c x the bandwidth, the
// k = 2 torus keeps the + channel of each ring, the one flow-level routes take.
// (One ns-3 run per test case: ns-3 cannot be set up twice in one process.)
TEST_CASE("ns-3 variant of dgx2 loads and carries c x the bandwidth between its switches") {
  const double bytes = 64.0 * 1024 * 1024;
  PlatformRun run(generate_from_cli("dgx2", {"--c", "2", "--ns3", "--host-preset", "none"}).xml, false, ns3());
  // gpu0, gpu1 on switch 0 each send to gpu2, gpu3 on switch 1 at once: 2 x 50 GB/s across.
  auto t = run.time({{{"gpu0", "gpu2", bytes}, {"gpu1", "gpu3", bytes}}});
  CHECK(t[0][0] == doctest::Approx(bytes / 50e9).epsilon(0.10));
  CHECK(t[0][1] == doctest::Approx(bytes / 50e9).epsilon(0.10));
}

TEST_CASE("ns-3 variant of the k = 2 torus loads and carries one channel per direction") {
  const double bytes = 64.0 * 1024 * 1024;
  PlatformRun run(generate_from_cli("torus3d", {"--k", "2", "--ns3", "--host-preset", "none"}).xml, false, ns3());
  auto t = run.time({{{"gpu0", "gpu1", bytes}}});
  CHECK(t[0][0] == doctest::Approx(bytes / 50e9).epsilon(0.10));
}
