// Issue 9: the loader. Generated XML loads with the expected numbers of hosts and links (counted
// here from the topology: a split-duplex link is two SimGrid links, one per direction); payload
// efficiency stretches bandwidth-bound transfers by 1 / efficiency; presets, roles and curves are
// checked.
#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>

#include "common/input_error.hpp"
#include "platforms/generator_registry.hpp"
#include "platforms/platform_inspect.hpp"
#include "tests/approx.hpp"
#include "tests/unit/platform_test_util.hpp"

using chimera::generate_from_cli;
using chimera::InputError;
using chimera::NetworkSettings;
using chimera::test::PlatformRun;
using chimera::test::approx;

namespace {

std::string source(const std::string& rel) { return std::string(CHIMERA_SOURCE_DIR) + "/" + rel; }

int link_count(PlatformRun& run) { return chimera::platform_summary(run.engine(), run.loaded)["links"].get<int>(); }

std::string write_temp(const std::string& text) {
  char name[] = "/tmp/chimera-loader-test-XXXXXX";
  int fd = mkstemp(name);
  REQUIRE(fd >= 0);
  FILE* f = fdopen(fd, "w");
  std::fputs(text.c_str(), f);
  std::fclose(f);
  return name;
}

const char* kHead = "<?xml version='1.0'?>\n<!DOCTYPE platform SYSTEM \"https://simgrid.org/simgrid.dtd\">\n";

}  // namespace

TEST_CASE("committed nvswitch-a100-8.xml: 8 hosts - 8 split-duplex ports = 16 links") {
  PlatformRun run(source("platforms/nvswitch-a100-8.xml"), true);
  CHECK(run.loaded.hosts_in_order.size() == 8);
  CHECK(link_count(run) == 16);
}

TEST_CASE("committed isca25 mesh2d-5x5.xml: 25 hosts - 25 injection ports x 2 + 2 x 2 x 5 x 4 mesh channels") {
  PlatformRun run(source("platforms/isca25/mesh2d-5x5.xml"), true);
  CHECK(run.loaded.hosts_in_order.size() == 25);
  CHECK(link_count(run) == 25 * 2 + 2 * 2 * 5 * 4);
  CHECK(run.loaded.hosts_in_order[7]->get_name() == "gpu7");  // document order = index y k + x
}

TEST_CASE("committed isca25 torus2d-4x4.xml: 16 hosts - 16 x 2 injection + 16 x 4 channels") {
  PlatformRun run(source("platforms/isca25/torus2d-4x4.xml"), true);
  CHECK(run.loaded.hosts_in_order.size() == 16);
  CHECK(link_count(run) == 16 * 2 + 16 * 4);
}

TEST_CASE("committed isca25 torus3d-2x2x2.xml: 8 hosts - 8 x 2 injection + 8 x 6 channels") {
  PlatformRun run(source("platforms/isca25/torus3d-2x2x2.xml"), true);
  CHECK(run.loaded.hosts_in_order.size() == 8);
  CHECK(link_count(run) == 8 * 2 + 8 * 6);
}

TEST_CASE("committed isca25 dgx2-2x8.xml: 16 hosts - 16 ports x 2 + 8 inter-switch links x 2") {
  PlatformRun run(source("platforms/isca25/dgx2-2x8.xml"), true);
  CHECK(run.loaded.hosts_in_order.size() == 16);
  CHECK(link_count(run) == 16 * 2 + 8 * 2);
}

TEST_CASE("committed pcie-2socket-8gpu-nop2p.xml: 8 hosts - 8 PCIe x 2 + inter-socket x 2 + 2 memories") {
  PlatformRun run(source("platforms/pcie-2socket-8gpu-nop2p.xml"), true);
  CHECK(run.loaded.hosts_in_order.size() == 8);
  CHECK(link_count(run) == 8 * 2 + 2 + 2);
}

TEST_CASE("committed 1024-GPU cluster: 128 H100 nodes in 4 rail units of 32") {
  PlatformRun run(source("platforms/cluster-h100-1024.xml"), true);
  CHECK(run.loaded.hosts_in_order.size() == 1024);
  // Per node: 8 NVLink ports x 2 + 8 NICs x 2 + the PCIe fabric (a fat pipe); per unit: a switch
  // (fat pipe) and an uplink x 2.
  CHECK(link_count(run) == 128 * (16 + 16 + 1) + 4 * (1 + 2));
  CHECK(run.loaded.hosts_in_order[1023]->get_name() == "node127-gpu7");
}

TEST_CASE("payload efficiency 0.73 from the scenario: a bandwidth-bound transfer takes 1 / 0.73 as long") {
  NetworkSettings net;
  net.payload_efficiency = 0.73;
  PlatformRun run(generate_from_cli("mesh2d", {}).xml, false, net);
  CHECK(run.loaded.efficiency_links == link_count(run));
  const double bytes = 1024.0 * 1024 * 1024;
  auto t = run.time({{{"gpu0", "gpu1", bytes}}});
  // Latency 102 ns is unchanged; the 50 GB/s links carry 0.73 x 50 GB/s of payload.
  CHECK(t[0][0] == approx(102e-9 + bytes / (0.73 * 50e9)).epsilon(0.005));
  CHECK((t[0][0] - 102e-9) / (bytes / 50e9) == approx(1 / 0.73).epsilon(0.005));
}

TEST_CASE("payload efficiency from a link property overrides the scenario's") {
  NetworkSettings net;
  net.payload_efficiency = 0.5;  // links without their own property
  PlatformRun run(generate_from_cli("dgx2", {"--payload-efficiency", "0.73"}).xml, false, net);
  const double bytes = 1024.0 * 1024 * 1024;
  auto t = run.time({{{"gpu0", "gpu1", bytes}}});
  CHECK(t[0][0] == approx(200e-9 + bytes / (0.73 * 50e9)).epsilon(0.005));
}

TEST_CASE("host presets: a zone's preset reaches its hosts - relative preset files resolve against the platform") {
  char dir_tmpl[] = "/tmp/chimera-loader-test-XXXXXX";
  std::string dir = mkdtemp(dir_tmpl);
  { std::ofstream(dir + "/mine.toml") << std::ifstream(source("compute/presets/a100.toml")).rdbuf(); }
  std::string file = dir + "/platform.xml";
  std::ofstream(file) << kHead
                      << "<platform version=\"4.1\"><zone id=\"z\" routing=\"Full\">\n"
                         "<prop id=\"preset\" value=\"h100\"/>\n"
                         "<host id=\"a\" speed=\"1Gf\"/>\n"
                         "<host id=\"b\" speed=\"1Gf\"><prop id=\"preset\" value=\"a100\"/></host>\n"
                         "<host id=\"c\" speed=\"1Gf\"><prop id=\"preset\" value=\"mine.toml\"/></host>\n"
                         "</zone></platform>\n";
  PlatformRun run(file, true);
  CHECK(std::string(run.host("a")->get_property("preset")) == "h100");
  CHECK(std::string(run.host("b")->get_property("preset")) == "a100");
  CHECK(std::string(run.host("c")->get_property("preset")) == dir + "/mine.toml");
  std::remove((dir + "/mine.toml").c_str());
  std::remove(file.c_str());
  std::remove(dir.c_str());
}

TEST_CASE("an unknown preset names the file - the line of the host and the valid presets") {
  std::string file = write_temp(std::string(kHead) +
                                "<platform version=\"4.1\"><zone id=\"z\" routing=\"Full\">\n"
                                "<host id=\"a\" speed=\"1Gf\"/>\n"
                                "<host id=\"b\" speed=\"1Gf\"><prop id=\"preset\" value=\"a1000\"/></host>\n"
                                "</zone></platform>\n");
  try {
    PlatformRun run(file, true);
    FAIL("no error");
  } catch (const InputError& e) {
    std::string m = e.what();
    CHECK(m.find(file + ":5") != std::string::npos);
    CHECK(m.find("host 'b' preset") != std::string::npos);
    CHECK(m.find("unknown hardware preset 'a1000'") != std::string::npos);
    CHECK(m.find("a100") != std::string::npos);
  }
  std::remove(file.c_str());
}

TEST_CASE("an unknown link role and a malformed contention curve are errors on the link") {
  std::string body = "<platform version=\"4.1\"><zone id=\"z\" routing=\"Full\">\n"
                     "<host id=\"a\" speed=\"1Gf\"/><host id=\"b\" speed=\"1Gf\"/>\n"
                     "<link id=\"l\" bandwidth=\"1GBps\" latency=\"1us\"><prop id=\"role\" value=\"nvlinc\"/></link>\n"
                     "<route src=\"a\" dst=\"b\"><link_ctn id=\"l\"/></route>\n"
                     "</zone></platform>\n";
  std::string file = write_temp(std::string(kHead) + body);
  try {
    PlatformRun run(file, true);
    FAIL("no error");
  } catch (const InputError& e) {
    std::string m = e.what();
    CHECK(m.find(file + ":5") != std::string::npos);
    CHECK(m.find("link 'l' role") != std::string::npos);
    CHECK(m.find("unknown role 'nvlinc'") != std::string::npos);
    CHECK(m.find("nvlink, nvswitch, pcie") != std::string::npos);
  }
  std::remove(file.c_str());
}

TEST_CASE("a contention curve with an efficiency above 1 is an error on the link") {
  std::string file = write_temp(std::string(kHead) +
                                "<platform version=\"4.1\"><zone id=\"z\" routing=\"Full\">\n"
                                "<host id=\"a\" speed=\"1Gf\"/><host id=\"b\" speed=\"1Gf\"/>\n"
                                "<link id=\"p\" bandwidth=\"1GBps\" latency=\"1us\" sharing_policy=\"SPLITDUPLEX\">"
                                "<prop id=\"contention\" value=\"1,1.2\"/></link>\n"
                                "<route src=\"a\" dst=\"b\"><link_ctn id=\"p\" direction=\"UP\"/></route>\n"
                                "</zone></platform>\n");
  CHECK_THROWS_WITH_AS(PlatformRun(file, true), doctest::Contains("link 'p' contention: efficiency 1.2 is outside (0, 1]"),
                       InputError);
  std::remove(file.c_str());
}
