// Inputs the fuzz targets (fuzz/) found to crash a parser or escape it with something other
// than an InputError. Each input is committed under tests/data/fuzz-regressions/ as the fuzzer
// wrote it; each test checks the parser now rejects it with one clear InputError (file, key,
// what is wrong), which chimera-sim prints as one line with exit code 2.
#include <doctest/doctest.h>

#include <string>

#include "common/input_error.hpp"
#include "common/text_file.hpp"
#include "planner/metis_cluster.hpp"
#include "planner/metis_profiles.hpp"

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
