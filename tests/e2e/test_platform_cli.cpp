// Issue 9 through the binary: `platform gen|show|check`, generators in scenario files, per-link
// statistics in the report, and one test per class of bad platform input (one message, exit 2).
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "tests/approx.hpp"
#include "tests/e2e/cli_runner.hpp"

using chimera::test::run_cli;
using chimera::test::temp_dir;
using chimera::test::approx;

namespace {

struct Dir {
  std::string path = temp_dir();
  ~Dir() { std::filesystem::remove_all(path); }
  std::string file(const std::string& name, const std::string& text) const {
    std::string p = path + "/" + name;
    std::ofstream(p) << text;
    return p;
  }
};

void expect_one_error(const chimera::test::CliResult& r, std::initializer_list<const char*> fragments) {
  CAPTURE(r.err);
  CHECK(r.exit_code == 2);
  CHECK(r.err.rfind("error: ", 0) == 0);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  for (const char* f : fragments) CHECK(r.err.find(f) != std::string::npos);
}

const char* kHead = "<?xml version='1.0'?>\n<!DOCTYPE platform SYSTEM \"https://simgrid.org/simgrid.dtd\">\n";

const char* kScenario = R"(schema = 1
[model]
name = "gpt2-small"
[parallel]
gpus = 8
tp = 4
)";

}  // namespace

TEST_CASE("platform gen writes a file that platform show --json counts: 8 hosts - 16 links") {
  Dir d;
  auto g = run_cli("platform gen nvswitch --gpus 8 --preset h100 -o '" + d.path + "/nv.xml' --json");
  REQUIRE_MESSAGE(g.exit_code == 0, g.err);
  auto gj = nlohmann::json::parse(g.out);
  CHECK(gj["kind"] == "nvswitch");
  CHECK(gj["description"].get<std::string>().find("port_bandwidth=450GBps") != std::string::npos);
  auto s = run_cli("platform show '" + d.path + "/nv.xml' --json");
  REQUIRE_MESSAGE(s.exit_code == 0, s.err);
  auto j = nlohmann::json::parse(s.out);
  CHECK(j["hosts"] == 8);
  CHECK(j["links"] == 16);
  // NCCL Simple's share of NVLink by default: 367.5 of 450 GB/s (issue 16's 8 x H100 ring figure).
  CHECK(j["roles"]["nvlink"]["bandwidths_Bps"][0].get<double>() == approx(450e9 * 0.817));
  CHECK(j["presets"]["h100"] == 8);
}

TEST_CASE("platform show --route: links - summed latency - bottleneck and a lone transfer's time") {
  // mesh 5 x 5: gpu0 -> gpu24 crosses 2 injection channels (1 ns) and 8 router channels (100 ns).
  auto r = run_cli("platform show platforms/isca25/mesh2d-5x5.xml --route 0 gpu24 --bytes 64MiB --json");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  auto route = nlohmann::json::parse(r.out)["route"];
  CHECK(route["links"].size() == 10);
  CHECK(route["latency_s"].get<double>() == approx(802e-9));
  CHECK(route["bottleneck_Bps"] == 50e9);
  CHECK(route["transfer_time_s"].get<double>() == approx(802e-9 + 64.0 * 1024 * 1024 / 50e9));
  auto text = run_cli("platform show platforms/isca25/mesh2d-5x5.xml --route 0 24");
  CHECK(text.out.find("bottleneck 50.00 GB/s") != std::string::npos);
}

TEST_CASE("platform check: committed files pass - problems exit with code 2") {
  auto ok = run_cli("platform check platforms/pcie-2socket-8gpu-nop2p.xml --json");
  CHECK_MESSAGE(ok.exit_code == 0, ok.out);
  CHECK(nlohmann::json::parse(ok.out)["ok"] == true);
  Dir d;
  // Two hosts and no route between them.
  std::string f = d.file("p.xml", std::string(kHead) +
                                      "<platform version=\"4.1\"><zone id=\"z\" routing=\"Full\">\n"
                                      "<host id=\"a\" speed=\"1Gf\"/><host id=\"b\" speed=\"1Gf\"/>\n"
                                      "</zone></platform>\n");
  auto bad = run_cli("platform check '" + f + "' --json");
  CHECK(bad.exit_code == 2);
  auto j = nlohmann::json::parse(bad.out);
  CHECK(j["ok"] == false);
  CHECK(j["problems"][0].get<std::string>().find("no link between a and b") != std::string::npos);
}

TEST_CASE("platform check under ns-3 explains why a flow-level platform cannot run there") {
  auto r = run_cli("platform check platforms/nvswitch-a100-8.xml --network-model ns-3 --json");
  CHECK(r.exit_code == 2);
  auto p = nlohmann::json::parse(r.out)["problems"][0].get<std::string>();
  CHECK(p.find("ns-3") != std::string::npos);
  auto ok = run_cli("platform check platforms/nvswitch-a100-8-ns3.xml --network-model ns-3");
  CHECK_MESSAGE(ok.exit_code == 0, ok.out);
}

TEST_CASE("bad platform: missing file") {
  expect_one_error(run_cli("platform show /no/such/platform.xml"), {"/no/such/platform.xml", "not found"});
}

TEST_CASE("bad platform: invalid XML gives SimGrid's message with file and line") {
  Dir d;
  std::string f = d.file("bad.xml", std::string(kHead) +
                                        "<platform version=\"4.1\">\n<zone id=\"z\" routing=\"Full\">\n"
                                        "<host id=\"a\" speed=\"1Gf\">\n</zone></platform>\n");
  expect_one_error(run_cli("platform show '" + f + "'"),
                   {"SimGrid rejected the platform: Parse error at", "bad.xml:6", "`</host>' expected"});
}

TEST_CASE("bad platform: an error SimGrid treats as fatal still comes back as one message") {
  Dir d;
  // A cluster whose dragonfly shape needs more hosts than its radical gives: SimGrid aborts.
  std::string f = d.file("df.xml", std::string(kHead) +
                                       "<platform version=\"4.1\">\n<cluster id=\"c\" prefix=\"n\" suffix=\"\" "
                                       "radical=\"0-3\" speed=\"1Gf\" bw=\"1GBps\" lat=\"1us\" topology=\"DRAGONFLY\" "
                                       "topo_parameters=\"2,1;1,1;2,1;2\"/>\n</platform>\n");
  expect_one_error(run_cli("platform show '" + f + "'"), {"SimGrid rejected the platform", "radical"});
}

TEST_CASE("bad platform: fewer hosts than ranks") {
  Dir d;
  // The 2 x 2 x 2 torus has 8 hosts; ask for 16 ranks.
  std::string t = std::string(kScenario);
  t.replace(t.find("gpus = 8"), 8, "gpus = 16");
  std::string s16 = d.file("s16.toml", t + "[platform]\nfile = \"" + chimera::test::source_path("platforms/isca25/torus3d-2x2x2.xml") + "\"\n");
  expect_one_error(run_cli("run '" + s16 + "'"), {"has 8 hosts but the run needs 16 ranks", "at least 16 hosts"});
}

TEST_CASE("bad platform: unknown preset and unknown role name the file - line and element") {
  Dir d;
  std::string p = d.file("p.xml", std::string(kHead) +
                                      "<platform version=\"4.1\"><zone id=\"z\" routing=\"Full\">\n"
                                      "<host id=\"a\" speed=\"1Gf\"><prop id=\"preset\" value=\"z80\"/></host>\n"
                                      "</zone></platform>\n");
  expect_one_error(run_cli("platform show '" + p + "'"), {"p.xml:4", "host 'a' preset", "unknown hardware preset 'z80'"});
  std::string l = d.file("l.xml", std::string(kHead) +
                                      "<platform version=\"4.1\"><zone id=\"z\" routing=\"Full\">\n"
                                      "<host id=\"a\" speed=\"1Gf\"/><host id=\"b\" speed=\"1Gf\"/>\n"
                                      "<link id=\"wire\" bandwidth=\"1GBps\" latency=\"1us\"><prop id=\"role\" value=\"ethernet\"/></link>\n"
                                      "<route src=\"a\" dst=\"b\"><link_ctn id=\"wire\"/></route>\n"
                                      "</zone></platform>\n");
  expect_one_error(run_cli("platform show '" + l + "'"), {"l.xml:5", "link 'wire' role", "unknown role 'ethernet'", "nvlink"});
}

TEST_CASE("bad generator input on the command line: kind - key - value") {
  expect_one_error(run_cli("platform gen hypercube"), {"unknown platform generator 'hypercube'", "nvswitch, pcie"});
  expect_one_error(run_cli("platform gen nvswitch --gpuz 8"), {"--gpuz: unknown key: not a parameter of the nvswitch generator", "--gpus"});
  expect_one_error(run_cli("platform gen nvswitch --port-bandwidth fast"), {"--port-bandwidth", "'fast'"});
  expect_one_error(run_cli("platform gen nvswitch --preset b200"), {"--preset: unknown value 'b200'", "a100, h100, h20"});
  expect_one_error(run_cli("platform gen pcie --gpus-per-switch 3"), {"--gpus-per-switch: 3 does not divide the 4 GPUs"});
  expect_one_error(run_cli("platform gen nvswitch --contention --ns3"), {"--ns3: the ns-3 variant cannot be generated", "--no-contention"});
  expect_one_error(run_cli("platform gen nvswitch --contention --contention-curve 1,0.5,2"), {"--contention-curve", "outside (0, 1]"});
  expect_one_error(run_cli("platform gen cluster --ns3"), {"--ns3: the ns-3 variant cannot be generated", "one-link routes"});
  expect_one_error(run_cli("platform gen pcie --ns3 --no-p2p"), {"--ns3: the ns-3 variant cannot be generated", "host memory"});
}

TEST_CASE("bad generator input in a scenario: file - line and dotted key") {
  Dir d;
  std::string s = d.file("s.toml", std::string(kScenario) + "[platform.generator]\nkind = \"mesh2d\"\nk = 5\nlink_latncy = \"100ns\"\n");
  expect_one_error(run_cli("run '" + s + "'"), {"s.toml:10:", "platform.generator.link_latncy: unknown key", "link_latency"});
  std::string t = d.file("t.toml", std::string(kScenario) + "[platform.generator]\nkind = \"mesh2d\"\nk = \"5\"\n");
  expect_one_error(run_cli("run '" + t + "'"), {"t.toml:9:", "platform.generator.k: wrong type"});
  std::string u = d.file("u.toml", std::string(kScenario) + "[platform.generator]\nkind = \"ring\"\n");
  expect_one_error(run_cli("run '" + u + "'"), {"u.toml:8:", "platform.generator.kind: unknown platform generator 'ring'"});
}

TEST_CASE("a scenario on a generated torus with link statistics in the text and JSON reports") {
  Dir d;
  std::string s = d.file("s.toml", std::string(kScenario) +
                                       "[platform.generator]\nkind = \"torus3d\"\nk = 2\n[output]\nlink_stats = true\n");
  auto r = run_cli("run '" + s + "' --json");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["inputs"]["platform"].get<std::string>().rfind("generator torus3d (k=2", 0) == 0);
  auto ls = j["link_stats"];
  REQUIRE(ls.is_object());
  CHECK(ls["links_used"].get<int>() > 0);
  // Every byte a rank sends crosses its injection channel once.
  double injection_bytes = 0;
  for (const auto& role : ls["roles"])
    if (role["role"] == "injection") injection_bytes = role["bytes"].get<double>();
  CHECK(injection_bytes == approx(2 * j["totals"]["bytes_sent"].get<double>()));  // UP at the source, DOWN at the destination
  // Busiest first.
  for (std::size_t i = 1; i < ls["links"].size(); ++i)
    CHECK(ls["links"][i - 1]["busy_s"].get<double>() >= ls["links"][i]["busy_s"].get<double>());
  auto text = run_cli("run '" + s + "'");
  CHECK(text.out.find("links: ") != std::string::npos);
  CHECK(text.out.find("busiest first") != std::string::npos);
  // Off by default: no section.
  std::string off = d.file("off.toml", std::string(kScenario) + "[platform.generator]\nkind = \"torus3d\"\nk = 2\n");
  CHECK(nlohmann::json::parse(run_cli("run '" + off + "' --json").out).count("link_stats") == 0);
}

TEST_CASE("the default scenario runs on the nvswitch generator") {
  auto r = run_cli("run --json");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(nlohmann::json::parse(r.out)["inputs"]["platform"].get<std::string>().rfind("generator nvswitch", 0) == 0);
}

TEST_CASE("every committed platform is what platforms/regenerate.sh writes") {
  // platforms/README.md: "Every file is regenerated by platforms/regenerate.sh". Each `gen FILE
  // KIND ARGS` line of the script, run to stdout, gives the committed file byte for byte, and
  // every committed XML file has its line.
  std::ifstream script(chimera::test::source_path("platforms/regenerate.sh"));
  std::set<std::string> listed;
  for (std::string line; std::getline(script, line);) {
    if (line.rfind("gen ", 0) != 0) continue;
    line = line.substr(0, line.find('#'));
    std::istringstream fields(line.substr(4));
    std::string file, args, word;
    fields >> file;
    while (fields >> word) args += " " + word;
    CAPTURE(file);
    listed.insert(file);
    auto r = run_cli("platform gen" + args);
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    CHECK(r.out == chimera::test::read_file(chimera::test::source_path("platforms/" + file)));
  }
  std::set<std::string> committed;
  const std::filesystem::path root = chimera::test::source_path("platforms");
  for (const auto& e : std::filesystem::recursive_directory_iterator(root))
    if (e.path().extension() == ".xml") committed.insert(std::filesystem::relative(e.path(), root).string());
  CHECK(listed == committed);
}
