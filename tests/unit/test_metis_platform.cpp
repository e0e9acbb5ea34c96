// plan --simulate's platform (platforms/metis_platform.hpp): one host per GPU with its node's
// preset, per-GPU intra-node ports, one NIC per node, a switch. Transfer times are written out
// from the parameters given here (CM02: summed route latency + bytes / bottleneck bandwidth).
#include <doctest/doctest.h>
#include <fmt/format.h>

#include "platforms/metis_platform.hpp"
#include "platforms/platform_inspect.hpp"
#include "tests/approx.hpp"
#include "tests/unit/platform_test_util.hpp"

using chimera::MetisNode;
using chimera::MetisPlatformParams;
using chimera::test::PlatformRun;
using chimera::test::approx;

namespace {

// node0: 2 V100, ports 50 GB/s, NIC 10 GB/s; node1: 3 A100, ports 46 GB/s, NIC 8 GB/s.
MetisPlatformParams two_nodes() {
  MetisPlatformParams p;
  p.nodes = {MetisNode{2, "v100", 50e9, 10e9, "0.0.0.1 V100"}, MetisNode{3, "a100", 46e9, 8e9, "0.0.0.4 A100"}};
  return p;
}

constexpr double kBytes = 1e9;

}  // namespace

TEST_CASE("metis platform XML: hosts with their node's preset, link roles, bandwidths") {
  const std::string xml = chimera::metis_platform_xml(two_nodes(), "test");
  for (const char* host : {"node0-gpu0", "node0-gpu1", "node1-gpu0", "node1-gpu2"})
    CHECK(xml.find(fmt::format("<host id=\"{}\"", host)) != std::string::npos);
  CHECK(xml.find("node1-gpu3") == std::string::npos);
  CHECK(xml.find("<prop id=\"preset\" value=\"v100\"/>") != std::string::npos);
  CHECK(xml.find("<prop id=\"preset\" value=\"a100\"/>") != std::string::npos);
  for (const char* role : {"nvlink", "nic", "switch"})
    CHECK(xml.find(fmt::format("<prop id=\"role\" value=\"{}\"/>", role)) != std::string::npos);
  CHECK(chimera::metis_host_name(3, 1) == "node3-gpu1");
  MetisPlatformParams bad = two_nodes();
  bad.nodes[1].inter_bandwidth_Bps = 0;
  CHECK_THROWS(chimera::metis_platform_xml(bad, ""));
  bad.nodes.clear();
  CHECK_THROWS(chimera::metis_platform_xml(bad, ""));
}

TEST_CASE("metis platform loads: 5 hosts in hostfile order, presets, 5 ports + 2 NICs (2 links each) + switch") {
  PlatformRun run(chimera::metis_platform_xml(two_nodes(), "test"), false);
  REQUIRE(run.loaded.hosts_in_order.size() == 5);
  CHECK(run.loaded.hosts_in_order[1]->get_name() == "node0-gpu1");
  CHECK(run.loaded.hosts_in_order[2]->get_name() == "node1-gpu0");
  CHECK(std::string(run.loaded.hosts_in_order[0]->get_property("preset")) == "v100");
  CHECK(std::string(run.loaded.hosts_in_order[4]->get_property("preset")) == "a100");
  CHECK(chimera::platform_summary(run.engine(), run.loaded)["links"].get<int>() == 5 * 2 + 2 * 2 + 1);
}

TEST_CASE("metis platform: intra-node at the node's port bandwidth, inter-node at the NIC's") {
  PlatformRun run(chimera::metis_platform_xml(two_nodes(), "test"), false);
  auto t = run.time({{{"node0-gpu0", "node0-gpu1", kBytes}},
                     {{"node1-gpu2", "node1-gpu0", kBytes}},
                     {{"node0-gpu1", "node1-gpu1", kBytes}}});
  // Two ports of 0.5 us; inter-node: NIC 1 us + switch 0.2 us + NIC 1 us, bottleneck min(10, 8) GB/s.
  CHECK(t[0][0] == approx(1e-6 + kBytes / 50e9).epsilon(0.005));
  CHECK(t[1][0] == approx(1e-6 + kBytes / 46e9).epsilon(0.005));
  CHECK(t[2][0] == approx(2.2e-6 + kBytes / 8e9).epsilon(0.005));
}

TEST_CASE("metis platform: the GPUs of a node share its NIC, not their intra-node ports") {
  PlatformRun run(chimera::metis_platform_xml(two_nodes(), "test"), false);
  auto t = run.time({// two GPUs of node1 send to node0 at once: node1's NIC (8 GB/s) is split
                     {{"node1-gpu0", "node0-gpu0", kBytes}, {"node1-gpu1", "node0-gpu1", kBytes}},
                     // one GPU sends inside its node and to the other node at once: no shared link
                     {{"node1-gpu0", "node1-gpu1", kBytes}, {"node1-gpu0", "node0-gpu0", kBytes}}});
  CHECK(t[0][0] == approx(2.2e-6 + kBytes / 4e9).epsilon(0.005));
  CHECK(t[0][1] == approx(2.2e-6 + kBytes / 4e9).epsilon(0.005));
  CHECK(t[1][0] == approx(1e-6 + kBytes / 46e9).epsilon(0.005));
  CHECK(t[1][1] == approx(2.2e-6 + kBytes / 8e9).epsilon(0.005));
}
