// Every choice the simulator makes is said (issue 18, item 3): the algorithm `auto` resolved to,
// per collective kind; which hardware preset ran when the platform and the scenario both name
// one; which configuration `tune` chose and on what grounds.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/e2e/cli_runner.hpp"

using chimera::test::run_cli;
using chimera::test::temp_dir;
using nlohmann::json;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string write_scenario(const std::string& text) {
  std::string path = temp_dir() + "/s.toml";
  std::ofstream(path) << text;
  return path;
}

// 8 GPUs on an NVSwitch generator whose hosts carry `platform_preset`; `compute` is the
// scenario's [compute] table body.
std::string preset_scenario(const std::string& platform_preset, const std::string& compute) {
  return fmt::format(R"(schema = 1
[model]
name = "gpt2-medium"
layers = 2
sequence = 128
micro_batch = 1
[parallel]
tp = 8
[platform.generator]
kind = "nvswitch"
preset = "{}"
gpus = 8
[compute]
{}
)",
                     platform_preset, compute);
}

}  // namespace

TEST_CASE("run --json: per collective kind, calls, bytes, time and the algorithm auto resolved to") {
  auto r = run_cli("run scenarios/default.toml --json");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  json j = json::parse(r.out);
  REQUIRE(j["collectives"].size() == 1);  // tp = 8, dp = 1: only tensor-parallel all-reduces
  const json& c = j["collectives"][0];
  CHECK(c["kind"] == "allreduce");
  // Megatron (Shoeybi et al. 2019, fig. 3): two all-reduces per layer forward, two backward,
  // plus the vocabulary-parallel embedding's forward all-reduce and the LM head input's
  // backward one, per micro-batch: 24 layers, 2 micro-batches, 8 member ranks.
  const double calls = 8.0 * 2 * (4 * 24 + 2);
  CHECK(c["calls"].get<double>() == calls);
  // Each is micro_batch x sequence x hidden activations of 2 bytes: 4 x 1024 x 1024 x 2.
  CHECK(c["bytes"].get<double>() == calls * 4 * 1024 * 1024 * 2);
  // Summed over 8 ranks, each no longer than the iteration.
  CHECK(c["time_s"].get<double>() > 0);
  CHECK(c["time_s"].get<double>() <= 8 * j["iteration_time_s"].get<double>());
  // auto over one 8-GPU node without a platform preference: ring (collectives/run_collective.hpp).
  CHECK(c["algorithm"] == "ring");
  REQUIRE(c["algorithms"].size() == 1);
  CHECK(c["algorithms"][0]["requested"] == "auto");
  CHECK(c["algorithms"][0]["resolved"] == "ring");
  CHECK(c["algorithms"][0]["calls"].get<double>() == calls);

  auto text = run_cli("run scenarios/default.toml");
  REQUIRE(text.exit_code == 0);
  CHECK(contains(text.out, "collectives (per kind"));
  CHECK(contains(text.out, "auto -> ring (1568)"));
}

TEST_CASE("collective --algo auto says what it resolved to, in text and JSON") {
  const std::string args = "collective --op allreduce --ranks 0-7 --platform tests/data/star8-50GBps-1us.xml --sizes 1MiB";
  auto r = run_cli(args + " --json");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  json j = json::parse(r.out);
  CHECK(j["algorithm"] == "auto");
  CHECK(j["resolved_algorithm"] == "ring");
  auto explicit_hd = run_cli(args + " --algo halving-doubling --json");
  REQUIRE_MESSAGE(explicit_hd.exit_code == 0, explicit_hd.err);
  CHECK(json::parse(explicit_hd.out)["resolved_algorithm"] == "halving-doubling");
  auto text = run_cli(args);
  REQUIRE(text.exit_code == 0);
  CHECK(contains(text.out, "# allreduce (auto -> ring, step)"));
}

TEST_CASE("a platform host preset that contradicts [compute] preset is an error unless marked as the override") {
  auto conflict = run_cli(fmt::format("run '{}'", write_scenario(preset_scenario("h100", "preset = \"a100\""))));
  CHECK(conflict.exit_code == 2);
  CHECK(contains(conflict.err, "compute.preset"));
  CHECK(contains(conflict.err, "[compute] preset = \"a100\" but the platform gives host"));
  CHECK(contains(conflict.err, "preset \"h100\""));
  CHECK(contains(conflict.err, "override_platform_presets = true"));

  // The platform's preset runs when the scenario names none, and the JSON says so.
  auto platform = run_cli(fmt::format("run '{}' --json", write_scenario(preset_scenario("h100", ""))));
  REQUIRE_MESSAGE(platform.exit_code == 0, platform.err);
  json p = json::parse(platform.out);
  CHECK(p["inputs"]["compute"]["preset"] == "h100");
  CHECK(p["inputs"]["compute"]["scenario_preset"].is_null());
  CHECK(p["ranks"][0]["preset"] == "h100");

  // Marked as the override: the scenario's preset runs on every host.
  auto over = run_cli(fmt::format(
      "run '{}' --json", write_scenario(preset_scenario("h100", "preset = \"a100\"\noverride_platform_presets = true"))));
  REQUIRE_MESSAGE(over.exit_code == 0, over.err);
  json o = json::parse(over.out);
  CHECK(o["inputs"]["compute"]["preset"] == "a100");
  CHECK(o["inputs"]["compute"]["override_platform_presets"] == true);
  CHECK(o["ranks"][7]["preset"] == "a100");
  // a100 is slower than h100 on the same GEMMs.
  CHECK(o["iteration_time_s"].get<double>() > p["iteration_time_s"].get<double>());

  // Agreeing presets are no conflict.
  auto same = run_cli(fmt::format("run '{}'", write_scenario(preset_scenario("h100", "preset = \"h100\""))));
  CHECK_MESSAGE(same.exit_code == 0, same.err);
  // An override with nothing to override is an error naming the key.
  auto bare = run_cli(fmt::format("run '{}'", write_scenario(preset_scenario("h100", "override_platform_presets = true"))));
  CHECK(bare.exit_code == 2);
  CHECK(contains(bare.err, "override_platform_presets"));
}

TEST_CASE("tune ranks the simulated configurations by simulated time and shows the model's rank") {
  const std::string path = write_scenario(R"(schema = 1
[model]
layers = 8
hidden = 512
heads = 8
vocab = 1000
sequence = 128
micro_batch = 2
[parallel]
pp = 1
dp = 8
micro_batches = 1
[platform.generator]
kind = "star"
gpus = 8
port_bandwidth = "100GBps"
port_latency = "1us"
[compute]
preset = "a100"
)");
  auto r = run_cli(fmt::format("tune '{}' --gpus 8 --mini-batch 32 --memory 80GiB --top 4 --json", path));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  json j = json::parse(r.out);
  const json& sim = j["simulated"];
  REQUIRE(sim.size() == 4);
  std::vector<int> model_ranks;
  for (std::size_t i = 0; i < sim.size(); ++i) {
    CHECK(sim[i]["simulated_rank"].get<std::size_t>() == i + 1);
    model_ranks.push_back(sim[i]["model_rank"].get<int>());
    if (i > 0 && sim[i]["simulated_fits_memory"] == sim[i - 1]["simulated_fits_memory"])
      CHECK(sim[i - 1]["simulated_iteration_s"].get<double>() <= sim[i]["simulated_iteration_s"].get<double>());
  }
  std::sort(model_ranks.begin(), model_ranks.end());
  CHECK(model_ranks == std::vector<int>{1, 2, 3, 4});
  // The choice is the simulated best, not the model's.
  CHECK(j["best"]["description"] == sim[0]["description"]);
  for (const auto& s : sim)
    if (s["simulated_fits_memory"] == true)
      CHECK(j["best"]["simulated_iteration_s"].get<double>() <= s["simulated_iteration_s"].get<double>());
}
