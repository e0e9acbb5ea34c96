// Issue 2: bad scenario input gives one message naming file, line, key, what is wrong and what
// would be valid, and exit code 2 — one test per class of error.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "tests/e2e/cli_runner.hpp"

using chimera::test::run_cli;
using chimera::test::temp_dir;

namespace {

const char* kValid = R"(schema = 1
[model]
name = "gpt2-small"
[parallel]
tp = 4
[platform.generator]
kind = "star"
gpus = 4
)";

struct Outcome {
  int exit_code;
  std::string err;
  std::string file;
};

// Writes `text` as a scenario file and runs `run` on it.
Outcome run_scenario_text(const std::string& text, const std::string& extra_args = "") {
  std::string dir = temp_dir();
  std::string path = dir + "/scenario.toml";
  { std::ofstream(path) << text; }
  auto r = run_cli("run '" + path + "' " + extra_args);
  std::filesystem::remove_all(dir);
  return {r.exit_code, r.err, path};
}

void expect_error(const std::string& text, std::initializer_list<const char*> fragments) {
  Outcome o = run_scenario_text(text);
  CAPTURE(text);
  CAPTURE(o.err);
  CHECK(o.exit_code == 2);
  CHECK(o.err.rfind("error: ", 0) == 0);
  CHECK(std::count(o.err.begin(), o.err.end(), '\n') == 1);  // one message
  for (const char* f : fragments) CHECK(o.err.find(f) != std::string::npos);
}

}  // namespace

TEST_CASE("the valid base scenario runs") {
  Outcome o = run_scenario_text(kValid);
  CHECK_MESSAGE(o.exit_code == 0, o.err);
}

TEST_CASE("unknown key: file, line, dotted key and the valid keys") {
  std::string t = kValid;
  t.replace(t.find("tp = 4"), 6, "tp = 4\ntpp = 2");
  expect_error(t, {"scenario.toml:6:", "parallel.tpp: unknown key", "valid:", "tp"});
  expect_error(std::string(kValid) + "colour = \"blue\"\n", {"colour: unknown key"});
}

TEST_CASE("wrong type: what was expected and what was found") {
  std::string t = kValid;
  t.replace(t.find("tp = 4"), 6, "tp = \"4\"");
  expect_error(t, {"scenario.toml:5:", "parallel.tp: wrong type: expected an integer, got string"});
}

TEST_CASE("missing required key or table") {
  expect_error("schema = 1\n[parallel]\ntp = 1\n[platform]\nfile = \"x.xml\"\n", {"model: missing required table"});
  std::string no_schema = kValid;
  no_schema.erase(0, no_schema.find('\n') + 1);
  expect_error(no_schema, {"schema: missing required key", "valid: schema = 1"});
  expect_error("schema = 1\n[model]\nlayers = 2\nhidden = 64\n[parallel]\n[platform.generator]\nkind = \"star\"\n",
               {"scenario.toml:2:", "model.heads: missing required key"});
}

TEST_CASE("degrees that do not divide the GPU count") {
  std::string t = kValid;
  t.replace(t.find("tp = 4"), 6, "gpus = 8\ntp = 3");
  expect_error(t, {"scenario.toml:6:", "parallel.tp: tp = 3 does not divide the GPU count 8", "valid: 1, 2, 4, 8"});
  std::string dp = kValid;
  dp.replace(dp.find("tp = 4"), 6, "gpus = 8\ntp = 2\ndp = 3");
  expect_error(dp, {"parallel.dp: dp = 3 does not divide the GPU count 8"});
}

TEST_CASE("a platform with fewer hosts than ranks") {
  std::string t = kValid;
  t.replace(t.find("gpus = 4"), 8, "gpus = 2");
  expect_error(t, {"scenario.toml:", "platform", "has 2 hosts but the run needs 4 ranks", "at least 4 hosts"});
}

TEST_CASE("missing files: the scenario itself and the platform it names") {
  auto r = run_cli("run /nonexistent/scenario.toml");
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("/nonexistent/scenario.toml: scenario: file not found") != std::string::npos);
  std::string t = kValid;
  const std::string generator = "[platform.generator]\nkind = \"star\"\ngpus = 4";
  t.replace(t.find(generator), generator.size(), "[platform]\nfile = \"no-such.xml\"");
  expect_error(t, {"scenario.toml:7:", "platform.file: platform file", "no-such.xml' not found"});
}

TEST_CASE("TOML syntax error names file and line") {
  expect_error(std::string(kValid) + "[network\n", {"scenario.toml:9:", "TOML syntax error"});
}

TEST_CASE("unknown names: zoo model, preset, network model, schema version") {
  std::string t = kValid;
  t.replace(t.find("gpt2-small"), 10, "gpt9");
  expect_error(t, {"model.name: unknown model 'gpt9'", "gpt2-medium"});
  expect_error(std::string(kValid) + "[compute]\npreset = \"z80\"\n", {"compute.preset: unknown hardware preset 'z80'", "a100"});
  expect_error(std::string(kValid) + "[network]\nmodel = \"LV09\"\n", {"network.model: unknown network model 'LV09'", "CM02, LV08, ns-3"});
  std::string v2 = kValid;
  v2.replace(0, 10, "schema = 2");
  expect_error(v2, {"schema: unsupported schema version 2", "valid: 1"});
}

TEST_CASE("out-of-range values") {
  std::string t = kValid;
  t.replace(t.find("tp = 4"), 6, "tp = 0");
  expect_error(t, {"parallel.tp: must be >= 1 (got 0)"});
  expect_error(std::string(kValid) + "[network]\npayload_efficiency = 1.5\n", {"network.payload_efficiency", "(0, 1]"});
}

TEST_CASE("model shape keys: grouped-query heads - MLP kind - bias and sequence parallel types") {
  auto with = [](const std::string& table, const std::string& line) {
    std::string t = kValid;
    t.insert(t.find(table) + table.size(), line + "\n");
    return t;
  };
  expect_error(with("[model]\n", "kv_heads = 5"),
               {"model.kv_heads: 5 key/value heads do not divide the 12 heads", "a divisor of heads"});
  expect_error(with("[model]\n", "mlp = \"relu\""), {"model.mlp: unknown MLP 'relu'", "swiglu"});
  expect_error(with("[model]\n", "bias = 1"), {"model.bias"});
  expect_error(with("[parallel]\n", "sequence_parallel = \"yes\""), {"parallel.sequence_parallel"});
  std::string no_tp = with("[parallel]\n", "sequence_parallel = true");
  no_tp.replace(no_tp.find("tp = 4"), 6, "tp = 1");
  expect_error(no_tp, {"parallel.sequence_parallel", "tp > 1"});
  expect_error(with("[parallel]\n", "sequence_parallel = true") + "[compute]\nlowering = \"isca25\"\n",
               {"parallel.sequence_parallel", "lowering = \"standard\""});
  // 8 key/value heads cannot be split 16 ways
  expect_error(R"(schema = 1
[model]
name = "llama3-8b"
sequence = 128
[parallel]
tp = 16
[platform.generator]
kind = "star"
gpus = 16
)",
               {"parallel.tp: tp = 16 does not divide the 8 key/value heads", "1, 2, 4, 8"});
}

TEST_CASE("an output file in a missing directory is an error and leaves nothing behind") {
  std::string dir = temp_dir();
  std::string path = dir + "/s.toml";
  { std::ofstream(path) << std::string(kValid) + "[output]\njson = \"report.json\"\ntrace = \"missing/trace.json\"\n"; }
  auto r = run_cli("run '" + path + "'");
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("s.toml:11:") != std::string::npos);  // the trace key is on line 11
  CHECK(r.err.find("output.trace: directory") != std::string::npos);
  CHECK(r.err.find("does not exist") != std::string::npos);
  int files = 0;
  for ([[maybe_unused]] const auto& f : std::filesystem::directory_iterator(dir)) ++files;
  CHECK(files == 1);  // only the scenario: checked before anything is written
  std::filesystem::remove_all(dir);
}

TEST_CASE("bad command-line options exit with code 2 and one line naming the option and what is valid") {
  const std::string star = "collective --platform tests/data/star8-50GBps-1us.xml ";
  const std::string unrotated =
      "error: --unrotated: only a many-to-many send in rounds has a target order (valid: --op m2ms --algo ring with --targets)";
  const std::pair<std::string, std::string> cases[] = {
      {"program scenarios/default.toml --rank 99",
       "error: --rank: rank 99 is outside the scenario's 8 ranks (valid: 0 to 7)"},
      {star + "--op allgatherz",
       "error: --op: unknown collective 'allgatherz' (valid: allreduce, reducescatter, allgather, alltoall, broadcast, "
       "reduce, multicast, m2ms)"},
      {star + "--ranks 3-1", "error: --ranks: '3-1' is not a rank list (descending range); valid: e.g. 0-7 or 0,2,4-6"},
      {star + "--sizes 4QB",
       "error: --sizes: unknown unit 'QB' in '4QB'; valid: a number with B, KB, MB, GB, KiB, MiB, GiB or TiB, e.g. 4MiB"},
      {"collective --platform /no/such.xml",
       "error: --platform: platform file '/no/such.xml' not found (valid: a SimGrid platform XML file)"},
      // the target order exists only for a many-to-many send in rounds
      {star + "--op allreduce --unrotated", unrotated},
      {star + "--op m2ms --algo direct --ranks 0-3 --targets 4-7 --unrotated", unrotated},
  };
  for (const auto& [args, message] : cases) {
    CAPTURE(args);
    auto r = run_cli(args);
    CHECK(r.exit_code == 2);
    CHECK(r.err == message + "\n");
  }
  // An unknown flag is CLI11's own message (its first line), still exit code 2.
  auto flag = run_cli("run --no-such-flag");
  CHECK(flag.exit_code == 2);
  CHECK(flag.err.rfind("The following argument was not expected: --no-such-flag\n", 0) == 0);
}
