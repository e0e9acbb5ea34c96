// The one training-step lowering end to end: experts, context parallelism, fusion pairs and
// memory techniques from scenario files; headline metrics checked against hand arithmetic; every
// bad-input class named by key with exit code 2.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/approx.hpp"
#include "tests/e2e/cli_runner.hpp"

using chimera::test::approx;
using chimera::test::run_cli;
using chimera::test::temp_dir;
using json = nlohmann::json;

namespace {

struct Outcome {
  int exit_code;
  std::string out, err;
};

Outcome run_text(const std::string& command, const std::string& text, const std::string& extra = "") {
  std::string dir = temp_dir();
  std::string path = dir + "/scenario.toml";
  { std::ofstream(path) << text; }
  auto r = run_cli(command + " '" + path + "' " + extra);
  std::filesystem::remove_all(dir);
  return {r.exit_code, r.out, r.err};
}

std::string moe(const std::string& parallel, const std::string& more = "") {
  return R"(schema = 1
[model]
name = "mixtral-8x7b"
layers = 2
sequence = 512
[parallel]
)" + parallel + R"(
[platform.generator]
kind = "cluster"
nodes = 2
[compute]
preset = "h100"
)" + more;
}

void bad(const std::string& text, const std::string& key, const std::string& what) {
  Outcome o = run_text("run", text);
  CAPTURE(o.err);
  CHECK(o.exit_code == 2);
  CHECK(o.err.find(key) != std::string::npos);
  CHECK(o.err.find(what) != std::string::npos);
  CHECK(o.err.find("scenario.toml:") != std::string::npos);  // file and line
}

}  // namespace

TEST_CASE("training step e2e: Mixtral runs with its experts, and the program shows router, expert GEMMs and all-to-alls") {
  Outcome o = run_text("program", moe("tp = 2\ndp = 8\nep = 8"), "--rank 5 --json");
  REQUIRE_MESSAGE(o.exit_code == 0, o.err);
  json j = json::parse(o.out);
  int dispatch = 0, combine = 0, router = 0, experts = 0;
  for (const auto& op : j["ops"]) {
    const std::string name = op["name"];
    if (name == "ep.alltoall.dispatch") {
      ++dispatch;
      CHECK(op["group"] == json::array({1, 3, 5, 7, 9, 11, 13, 15}));
    }
    if (name == "ep.alltoall.combine") ++combine;
    for (const auto& k : op.value("kernels", json::array())) {
      if (k["name"] == "router") ++router;
      if (k["name"] == "expert-fc1") ++experts;
    }
  }
  CHECK(dispatch == 2);  // 2 layers, 1 micro-batch
  CHECK(combine == 2);
  CHECK(router == 2 * 3);  // forward, input gradient, weight gradient
  CHECK(experts == 2 * 3);
  Outcome r = run_text("run", moe("tp = 2\ndp = 8\nep = 8"), "--json");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  json rep = json::parse(r.out);
  CHECK(rep["model"]["parameters"].get<double>() > rep["model"]["active_parameters"].get<double>());
}

TEST_CASE("training step e2e: MFU and tokens/s of one GPU running one dense layer, by hand") {
  // gpt2-small shape, one layer, sequence 1024, micro-batch 2, 3 micro-batches on one H100.
  // Model FLOPs per token = 6 x (layer + LM head output layer + final norm) + 12 x 1 x 768 x 1024.
  const std::string text = R"(schema = 1
[model]
name = "gpt2-small"
layers = 1
micro_batch = 2
[parallel]
micro_batches = 3
[platform.generator]
kind = "star"
gpus = 1
[compute]
preset = "h100"
)";
  Outcome o = run_text("run", text, "--json");
  REQUIRE_MESSAGE(o.exit_code == 0, o.err);
  json j = json::parse(o.out);
  const double h = 768, layer = 12 * h * h + 13 * h, head = 50257 * h + 2 * h;
  const double per_token = 6 * (layer + head) + 12 * 1 * h * 1024;
  const double tokens = 2 * 3 * 1024.0;
  const double t = j["iteration_time_s"];
  CHECK(j["global_batch"] == 6);
  CHECK(j["throughput"]["tokens_per_s"].get<double>() * t == approx(tokens));
  CHECK(j["throughput"]["model_flops"].get<double>() == approx(per_token * tokens));
  CHECK(j["throughput"]["mfu"].get<double>() == approx(per_token * tokens / t / 989.4e12));
  CHECK(j["throughput"]["model_tflops_per_gpu"].get<double>() == approx(per_token * tokens / t / 1e12));
  CHECK(j["memory"]["peak_bytes_max"].get<double>() > 0);
  CHECK(j["memory"]["ranks"].size() == 1);
}

TEST_CASE("training step e2e: global_batch gives the micro-batches and must divide") {
  const std::string base = R"(schema = 1
[model]
name = "gpt2-small"
micro_batch = 2
[parallel]
dp = 2
)";
  const std::string machine = "[platform.generator]\nkind = \"star\"\ngpus = 2\n";
  Outcome ok = run_text("run", base + "global_batch = 12\n" + machine, "--json");
  REQUIRE_MESSAGE(ok.exit_code == 0, ok.err);
  CHECK(json::parse(ok.out)["inputs"]["parallel"]["micro_batches"] == 3);  // 12 / (dp 2 x micro_batch 2)
  bad(base + "global_batch = 10\n" + machine, "global_batch", "do not split into dp x micro_batch");
  bad(base + "global_batch = 12\nmicro_batches = 4\n" + machine, "global_batch", "mean 3 micro-batches");
}

TEST_CASE("training step e2e: bad plans for experts, context parallelism and fusion pairs are errors naming the key") {
  bad(moe("tp = 2\ndp = 8\nep = 16"), "ep", "does not divide the dp x sp");
  bad(moe("tp = 2\ndp = 3\nep = 3"), "ep", "does not divide the 8 experts");
  bad(R"(schema = 1
[model]
name = "gpt2-small"
[parallel]
dp = 2
ep = 2
[platform.generator]
kind = "star"
gpus = 2
)",
      "ep", "is dense");
  bad(R"(schema = 1
[model]
name = "gpt2-small"
sequence = 1000
[parallel]
sp = 3
[platform.generator]
kind = "star"
gpus = 3
)",
      "sp", "does not divide the sequence");
  bad(R"(schema = 1
[model]
name = "gpt2-small"
[parallel]
sp = 8
sp_kind = "ulysses"
[platform.generator]
kind = "star"
gpus = 8
)",
      "sp_kind", "do not divide by 8");
  bad(R"(schema = 1
[model]
name = "gpt2-small"
[parallel]
tp = 2
[platform.generator]
kind = "star"
gpus = 2
[fusion]
pairs = ["pp+sp"]
)",
      "fusion.pairs", "does not apply to this plan");
  bad(R"(schema = 1
[model]
name = "gpt2-small"
[parallel]
tp = 2
[platform.generator]
kind = "star"
gpus = 2
[fusion]
pairs = ["tp+qq"]
)",
      "fusion.pairs", "unknown pair");
  bad(R"(schema = 1
[model]
name = "gpt2-small"
[parallel]
tp = 2
[platform.generator]
kind = "star"
gpus = 2
[memory]
zero_stage = 4
)",
      "memory.zero_stage", "unknown ZeRO stage");
  bad(R"(schema = 1
[model]
name = "gpt2-small"
[parallel]
tp = 2
[platform.generator]
kind = "star"
gpus = 2
[memory]
recompute = "some"
)",
      "memory.recompute", "unknown recomputation");
}

TEST_CASE("training step e2e: fused pairs appear in the program and the report says which ran") {
  Outcome o = run_text("run", R"(schema = 1
[model]
name = "gpt2-small"
layers = 4
[parallel]
tp = 2
pp = 2
[schedule]
kind = "1f1b"
[platform.generator]
kind = "star"
gpus = 4
[fusion]
pairs = ["tp+pp"]
)",
                       "--json");
  REQUIRE_MESSAGE(o.exit_code == 0, o.err);
  CHECK(json::parse(o.out)["inputs"]["fusion"] == "tp+pp");
}

// [fusion] variant: "baseline" checks the pairs against the plan but runs the unfused
// communication, so it must time exactly as the same plan without [fusion]; a single pair may be
// a string and then means the same as a one-element array.
TEST_CASE("training step e2e: fusion variant baseline runs the plan unfused, and a pair as a string equals the array") {
  const std::string plan = R"(schema = 1
[model]
name = "gpt2-small"
layers = 4
sequence = 512
[parallel]
tp = 2
pp = 2
micro_batches = 4
[schedule]
kind = "1f1b"
[platform.generator]
kind = "star"
gpus = 4
)";
  auto time_of = [&](const std::string& fusion) {
    Outcome o = run_text("run", plan + fusion, "--json");
    CAPTURE(o.err);
    REQUIRE(o.exit_code == 0);
    return json::parse(o.out)["iteration_time_s"].get<double>();
  };
  const double none = time_of("");
  const double baseline = time_of("[fusion]\npairs = \"tp+sp\"\nvariant = \"baseline\"\n");
  const double fused_string = time_of("[fusion]\npairs = \"tp+sp\"\n");
  const double fused_array = time_of("[fusion]\npairs = [\"tp+sp\"]\nvariant = \"fused\"\n");
  CHECK(baseline == none);
  CHECK(fused_string == fused_array);
  CHECK(fused_string != none);  // the fused run is a different program
  bad(plan + "[fusion]\npairs = \"tp+sp\"\nvariant = \"half\"\n", "fusion.variant", "unknown variant");
  bad(plan + "[fusion]\nvariant = \"baseline\"\n", "fusion.variant", "a variant of no fusion pairs");
}
