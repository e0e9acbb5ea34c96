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
