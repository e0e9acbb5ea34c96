// Inputs the fuzz targets (fuzz/) found to crash a parser or escape it with something other
// than an InputError. Each input is committed under tests/data/fuzz-regressions/ as the fuzzer
// wrote it; each test checks the parser now rejects it with one clear InputError (file, key,
// what is wrong), which chimera-sim prints as one line with exit code 2.
#include <doctest/doctest.h>

#include <string>

#include "study/scenario.hpp"
#include "study/sweep.hpp"
#include "common/input_error.hpp"
#include "common/text_file.hpp"
#include "planner/metis_cluster.hpp"
#include "planner/metis_profiles.hpp"
#include "platforms/generator_registry.hpp"

using namespace chimera;

namespace {

const std::string kInputs = std::string(CHIMERA_SOURCE_DIR) + "/tests/data/fuzz-regressions/";

// The InputError message of `f`; fails the test when `f` throws anything else or nothing.
template <class F>
std::string input_error_of(F f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  } catch (const std::exception& e) {
    FAIL("not an InputError: ", e.what());
  }
  FAIL("accepted");
  return "";
}

}  // namespace

TEST_CASE("fuzz regression: a JSON number beyond a double in a Metis cluster file is an InputError") {
  const std::string path = kInputs + "metis-cluster-number-overflow.json";
  CHECK(input_error_of([&] { metis::read_cluster_file(path); }) ==
        path + ": cluster file: not valid JSON: [json.exception.out_of_range.406] number overflow parsing '201e400'");
}

TEST_CASE("fuzz regression: a JSON number beyond a double in a Metis profile is an InputError") {
  // As fuzz/metis_profile.cpp reads it: the file name on the first line, the JSON after it.
  const std::string path = kInputs + "metis-profile-number-overflow.txt";
  const std::string input = read_text_file(path, "input");
  const std::size_t nl = input.find('\n');
  CHECK(input_error_of([&] { metis::parse_profile(input.substr(nl + 1), input.substr(0, nl), path, 10); }) ==
        path + ": profile: not valid JSON: [json.exception.out_of_range.406] number overflow parsing '1e400'");
}

// Integers beyond an int were narrowed silently: gpus = 2^32 became 0 GPUs (dp = 0, accepted);
// tp x pp overflowed; hidden = 2^32 + 1024 became 1024; 4 x hidden overflowed.
TEST_CASE("fuzz regression: scenario integers beyond an int are errors, not truncated") {
  auto error = [](const std::string& name) { return input_error_of([&] { load_scenario(kInputs + name); }); };
  CHECK(error("scenario-gpus-beyond-int.toml") ==
        kInputs + "scenario-gpus-beyond-int.toml:6:8: parallel.gpus: must be <= 2147483647 (got 4294967296) "
                  "(valid: an integer from 1 to 2147483647)");
  CHECK(error("scenario-ranks-beyond-int.toml") ==
        kInputs + "scenario-ranks-beyond-int.toml:7:6: parallel.pp: tp x sp x pp x dp = 65536 x 1 x 65536 x 1 is more ranks "
                  "than the simulator counts (valid: a product of at most 2147483647)");
  CHECK(error("scenario-hidden-beyond-int.toml") ==
        kInputs + "scenario-hidden-beyond-int.toml:5:10: model.hidden: must be <= 2147483647 (got 4294968320) "
                  "(valid: hidden size, >= 1)");
  CHECK(error("scenario-ffn-beyond-int.toml") ==
        kInputs + "scenario-ffn-beyond-int.toml:5:10: model.hidden: 1073741824 is too large for the default MLP size "
                  "4 x hidden (valid: a smaller hidden size, or ffn_hidden)");
}

// Generators that write a route per GPU pair ran for minutes and gigabytes (a 10^8-GPU board,
// a 32 x 32 mesh) while the scenario was being read; they now stop at 128 GPUs.
TEST_CASE("fuzz regression: a route-per-pair platform generator beyond 128 GPUs is an error") {
  CHECK(input_error_of([] { load_scenario(kInputs + "scenario-nvswitch-1e8-gpus.toml"); }) ==
        kInputs + "scenario-nvswitch-1e8-gpus.toml:9:8: platform.generator.gpus: 100000000 is out of range "
                  "(valid: an integer in [2, 128])");
  CHECK(input_error_of([] { load_scenario(kInputs + "scenario-mesh2d-k32.toml"); }) ==
        kInputs + "scenario-mesh2d-k32.toml:9:5: platform.generator.k: 32 is out of range (valid: an integer in [2, 11])");
}

// The largest accepted size of each such generator: 11 x 11 = 121 <= 128 < 12 x 12; 5^3 = 125 <=
// 128 < 6^3; two switches of 64 endpoints = 128 GPUs.
TEST_CASE("fuzz regression: the 128-GPU bound of the route-per-pair generators, per kind") {
  auto error = [](const std::string& kind, const std::string& args) {
    std::vector<std::string> v;
    for (std::size_t i = 0, j; i < args.size(); i = j + 1) {
      j = args.find(' ', i);
      if (j == std::string::npos) j = args.size();
      v.push_back(args.substr(i, j - i));
    }
    return input_error_of([&] { generate_from_cli(kind, v); });
  };
  CHECK(error("nvswitch", "--gpus 129") == "--gpus: 129 is out of range (valid: an integer in [2, 128])");
  CHECK(error("pcie", "--gpus 130") == "--gpus: 130 is out of range (valid: an integer in [1, 128])");
  CHECK(error("mesh2d", "--k 12") == "--k: 12 is out of range (valid: an integer in [2, 11])");
  CHECK(error("torus2d", "--k 12") == "--k: 12 is out of range (valid: an integer in [2, 11])");
  CHECK(error("torus3d", "--k 6") == "--k: 6 is out of range (valid: an integer in [2, 5])");
  CHECK(error("dgx2", "--c 65") == "--c: 65 is out of range (valid: an integer in [1, 64])");
  CHECK(error("cluster", "--gpus-per-node 129") == "--gpus-per-node: 129 is out of range (valid: an integer in [2, 128])");
}

// A rank list "0-2147483647" built two billion ranks (and overflowed an int at its end); a sweep
// of 800,000 points validated each one before running any. Both ran past the fuzzer's 10 s.
TEST_CASE("fuzz regression: a rank list beyond 65535 and a sweep beyond 65536 points are errors") {
  const std::string ranks = kInputs + "sweep-ranks-to-int-max.toml";
  CHECK(input_error_of([&] { load_sweep(ranks); }) ==
        ranks + ":8:9: ranks: '0-2147483647' is not a rank list (rank 2147483647 is above 65535); valid: e.g. 0-7 or 0,2,4-6");
  // 1e-300 x 2^n <= 1e300 for n = 0 .. floor(600 log2 10) = 1993: 1994 sizes; x 20 x 20.
  const std::string points = kInputs + "sweep-800000-points.toml";
  CHECK(input_error_of([&] { load_sweep(points); }) ==
        points + ":11:18: axes.reduction_cost: 20 values make 797600 points "
                 "(valid: at most 65536 points per sweep file (split the study))");
}
