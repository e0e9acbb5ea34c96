// Planner inputs: hostfile, cluster file and profile directory in the Metis formats, and the
// clear errors for each kind of malformed input.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "common/input_error.hpp"
#include "common/text_file.hpp"
#include "planner/metis_cluster.hpp"
#include "planner/metis_profiles.hpp"

using namespace chimera;
using namespace chimera::metis;

namespace {

const std::string kData = std::string(CHIMERA_SOURCE_DIR) + "/tests/data/metis";

// The exception message of `f`, or "" if it did not throw an InputError.
template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

std::string temp_dir() {
  char tmpl[] = "/tmp/chimera-planner-XXXXXX";
  return mkdtemp(tmpl);
}

}  // namespace

TEST_CASE("hostfile: the fork's format, one node per line") {
  auto nodes = parse_hostfile("0.0.0.1 slots=4\n\n0.0.0.4   slots=8\n# comment\n", "h", false);
  REQUIRE(nodes.size() == 2);
  CHECK(nodes[0].address == "0.0.0.1");
  CHECK(nodes[0].slots == 4);
  CHECK(nodes[0].line == 1);
  CHECK(nodes[1].address == "0.0.0.4");
  CHECK(nodes[1].slots == 8);
  CHECK(nodes[1].line == 3);
  // Clean mode reads counts above 9, which the reference reads as their first digit.
  CHECK(parse_hostfile("0.0.0.4 slots=16\n", "h", false)[0].slots == 16);
}

TEST_CASE("hostfile: malformed lines are errors naming file and line") {
  CHECK(contains(error_of([] { parse_hostfile("0.0.0.1 slots=4\n0.0.0.1\n", "hf", false); }), "hf:2"));
  CHECK(contains(error_of([] { parse_hostfile("0.0.0.1 gpus=4\n", "hf", false); }), "slots="));
  CHECK(contains(error_of([] { parse_hostfile("0.0.0.1 slots=x\n", "hf", false); }), "positive whole number"));
  CHECK(contains(error_of([] { parse_hostfile("0.0.0.1 slots=0\n", "hf", false); }), "positive whole number"));
  CHECK(contains(error_of([] { parse_hostfile("\n# nothing\n", "hf", false); }), "no nodes"));
  std::string e = error_of([] { parse_hostfile("0.0.0.1 slots=4\n0.0.0.4 slots=16\n", "hf", true); });
  CHECK(contains(e, "hf:2"));
  CHECK(contains(e, "would use 1 GPUs"));  // what the reference silently does
}

TEST_CASE("hostfile generator writes the shipped hostfiles") {
  for (int n : {16, 32, 64})
    CHECK(generate_hostfile(n) == read_text_file(kData + "/hostfiles/hostfile-" + std::to_string(n), "hostfile"));
  // gen_hostfile.py n: n/4 V100 nodes then n/4 A100 nodes of 4 GPUs.
  CHECK(generate_hostfile(8) == "0.0.0.1 slots=4\n0.0.0.1 slots=4\n0.0.0.4 slots=4\n0.0.0.4 slots=4\n");
}

TEST_CASE("cluster file: per-type values from the first address of the type") {
  auto specs = read_cluster_file(kData + "/clusterfile.json");
  REQUIRE(specs.size() == 4);
  CHECK(specs[0].address == "0.0.0.1");
  CHECK(specs[0].type == "V100");
  CHECK(specs[3].type == "A100");
  CHECK(specs[3].intra_bandwidth == 46);
  CHECK(specs[3].inter_bandwidth == 10);
  auto hosts = read_hostfile(kData + "/hostfiles/hostfile-16", true);
  Cluster c = make_cluster(hosts, "h", specs, "c", {}, true);
  REQUIRE(c.types == std::vector<std::string>{"A100", "V100"});  // default order: A100 first
  CHECK(c.memory_mb[0] == 80 * 1024);
  CHECK(c.memory_mb[1] == 16 * 1024);
  CHECK(c.intra_bandwidth[1] == 50);
  REQUIRE(c.nodes.size() == 8);
  CHECK(c.nodes[0].type == 1);  // hostfile lists the V100 nodes first
  Cluster v = make_cluster(hosts, "h", specs, "c", {"V100", "A100"}, true);
  CHECK(v.types == std::vector<std::string>{"V100", "A100"});
}

TEST_CASE("cluster file and type order: errors") {
  auto parse = [](const char* text) { return [text] { parse_cluster_file(text, "cf.json"); }; };
  CHECK(contains(error_of(parse("{")), "not valid JSON"));
  CHECK(contains(error_of(parse("[]")), "non-empty JSON object"));
  CHECK(contains(error_of(parse(R"({"a": {"instance_type": "A100", "inter_bandwidth": 1, "intra_bandwidth": 1}})")),
                 "a.memory: missing"));
  CHECK(contains(error_of(parse(R"({"a": {"instance_type": "A100", "inter_bandwidth": 1, "intra_bandwidth": 1,
                                         "memory": 8, "speed": 3}})")),
                 "a.speed: unknown key"));
  CHECK(contains(error_of(parse(R"({"a": {"instance_type": "A100", "inter_bandwidth": -1, "intra_bandwidth": 1,
                                         "memory": 8}})")),
                 "not a positive number"));
  auto specs = read_cluster_file(kData + "/clusterfile.json");
  auto hosts = parse_hostfile("0.0.0.9 slots=4\n", "hf", true);
  CHECK(contains(error_of([&] { make_cluster(hosts, "hf", specs, "cf", {}, true); }), "hf:1: 0.0.0.9"));
  auto row1 = read_hostfile(kData + "/hostfiles/hostfile-16", true);
  CHECK(contains(error_of([&] { make_cluster(row1, "hf", specs, "cf", {"A100"}, true); }), "--type-order"));
  CHECK(contains(error_of([&] { make_cluster(row1, "hf", specs, "cf", {"A100", "T4"}, true); }), "--type-order"));
  auto mixed = parse_hostfile("0.0.0.1 slots=4\n0.0.0.4 slots=2\n", "hf", true);
  CHECK(contains(error_of([&] { make_cluster(mixed, "hf", specs, "cf", {}, true); }), "hf:2"));
  CHECK(make_cluster(mixed, "hf", specs, "cf", {}, false).nodes[1].slots == 2);
}

TEST_CASE("profiles: loading, fb_sync and model constants") {
  ProfileSet set = load_profiles(kData + "/layers10", 10);
  CHECK(set.size() == 128);
  const Profile* p = set.find("A100", 4, 4);
  REQUIRE(p != nullptr);
  // Reference, section 1.4: A100 tp4_bs4 fb_sync = 45.07613182067871 (forward_backward - sum lc).
  CHECK(p->fb_sync_ms == 45.07613182067871);
  CHECK(set.find("A100", 3, 4) == nullptr);
  ModelConstants k = model_constants(set, "A100_tp32_bs32", true);
  CHECK(k.source == "DeviceType.A100_tp32_bs32.json");
  CHECK(k.optimizer_time_ms == 21.92707061767578);  // 2 x 10.96353530883789 (loader doubles it)
  CHECK(model_constants(set, "A100_tp32_bs32", false).optimizer_time_ms == 10.96353530883789);
  CHECK(k.batch_generator_time_ms == 0.9746074676513672);
  CHECK(k.params_input == 393216000);
  CHECK(k.params_transformer == 202383360);
  CHECK(k.params_output == 393220096);
  // Layer weights: A100 tp1 bs1 times over their sum.
  const Profile* w = set.find("A100", 1, 1);
  double total = 0;
  for (double x : w->layer_compute_ms) total += x;
  CHECK(k.layer_demand[0] == 0.2892017364501953 / total);
  CHECK(k.layer_demand[5] == 29.507994651794434 / total);
  CHECK_NOTHROW(check_profile_grid(set, {"A100", "V100"}, 128, 128));
  CHECK(contains(error_of([&] { check_profile_grid(set, {"A100", "T4"}, 128, 128); }),
                 "DeviceType.T4_tp1_bs1.json"));
  CHECK(contains(error_of([&] { model_constants(set, "A100_tp3_bs32", true); }), "--constants"));
  CHECK(contains(error_of([&] { model_constants(set, "nonsense", true); }), "--constants"));
}

TEST_CASE("profiles: inconsistent or stray files are errors") {
  std::string dir = temp_dir();
  namespace fs = std::filesystem;
  fs::copy_file(kData + "/layers10/DeviceType.A100_tp1_bs1.json", dir + "/DeviceType.A100_tp1_bs1.json");
  CHECK(contains(error_of([&] { load_profiles(dir, 20); }), "has 10 entries, but the model has 20 layers"));
  { std::ofstream(dir + "/notes.txt") << "x"; }
  CHECK(contains(error_of([&] { load_profiles(dir, 10); }), "notes.txt: unexpected file"));
  fs::remove(dir + "/notes.txt");
  { std::ofstream(dir + "/DeviceType.A100_tp2_bs1.json") << R"({"execution_time": {}})"; }
  CHECK(contains(error_of([&] { load_profiles(dir, 10); }), "execution_time.layer_compute_total_ms: missing"));
  { std::ofstream(dir + "/DeviceType.A100_tp2_bs1.json") << "{oops"; }
  CHECK(contains(error_of([&] { load_profiles(dir, 10); }), "not valid JSON"));
  fs::remove(dir + "/DeviceType.A100_tp2_bs1.json");
  fs::copy_file(kData + "/layers10/DeviceType.A100_tp1_bs1.json", dir + "/DeviceType.a100_tp1_bs1.json");
  CHECK(contains(error_of([&] { load_profiles(dir, 10); }), "a second profile for A100 tp=1 bs=1"));
  fs::remove_all(dir);
  CHECK(contains(error_of([] { load_profiles("/nonexistent/profiles", 10); }), "not a directory"));
  std::string type;
  int tp = 0, bs = 0;
  CHECK(parse_profile_name("DeviceType.V100_tp128_bs64.json", type, tp, bs));
  CHECK(type == "V100");
  CHECK(tp == 128);
  CHECK(bs == 64);
  CHECK_FALSE(parse_profile_name("DeviceType.V100_tp0_bs64.json", type, tp, bs));
  CHECK_FALSE(parse_profile_name("V100_tp1_bs1.json", type, tp, bs));
}
