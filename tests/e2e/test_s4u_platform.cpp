// Generated cluster platforms are built through SimGrid's S4U API (platforms/s4u_platform.hpp);
// the same platform written as XML by `platform gen` and loaded from the file must give the same
// simulation, bit for bit: iteration time and every rank's finish time.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/e2e/cli_runner.hpp"

using chimera::test::run_cli;
using chimera::test::temp_dir;

namespace {

const char* kScenario = R"(schema = 1
title = "GPT-2 small, TP4 PP2 DP2 over two 4-GPU nodes, 1F1B"
[model]
name = "gpt2-small"
sequence = 256
micro_batch = 1
[parallel]
tp = 4
pp = 2
dp = 2
micro_batches = 4
[schedule]
kind = "1f1b"
[compute]
preset = "h100"
[collectives]
granularity = "GRANULARITY"
)";

const char* kGenerator = R"([platform.generator]
kind = "cluster"
nodes = 4
gpus_per_node = 4
nodes_per_unit = 2
host_preset = "h100"
)";

std::string replace(std::string s, const std::string& what, const std::string& with) {
  return s.replace(s.find(what), what.size(), with);
}

}  // namespace

TEST_CASE("a generated cluster built through S4U runs exactly as its XML file (step and aggregated)") {
  const std::string dir = temp_dir();
  auto gen = run_cli("platform gen cluster --nodes 4 --gpus-per-node 4 --nodes-per-unit 2 --host-preset h100 -o " + dir +
                     "/cluster.xml");
  REQUIRE_MESSAGE(gen.exit_code == 0, gen.err);
  for (const char* granularity : {"step", "aggregated"}) {
    CAPTURE(granularity);
    const std::string body = replace(kScenario, "GRANULARITY", granularity);
    std::ofstream(dir + "/generated.toml") << body << kGenerator;
    std::ofstream(dir + "/file.toml") << body << "[platform]\nfile = \"cluster.xml\"\n";
    auto a = run_cli("run " + dir + "/generated.toml --json");
    auto b = run_cli("run " + dir + "/file.toml --json");
    REQUIRE_MESSAGE(a.exit_code == 0, a.err);
    REQUIRE_MESSAGE(b.exit_code == 0, b.err);
    const auto ja = nlohmann::json::parse(a.out), jb = nlohmann::json::parse(b.out);
    CHECK(ja["iteration_time_s"].get<double>() > 0);
    CHECK(ja["iteration_time_s"].get<double>() == jb["iteration_time_s"].get<double>());
    REQUIRE(ja["ranks"].size() == 16);
    CHECK(ja["ranks"] == jb["ranks"]);
  }
  std::filesystem::remove_all(dir);
}
