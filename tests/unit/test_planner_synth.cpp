// The synthetic-profile generator (the fork's gen_synth_data.py) reproduces the shipped
// profile files, and doubles print as Python's repr() does.
#include <doctest/doctest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/input_error.hpp"
#include "common/text_file.hpp"
#include "planner/float_text.hpp"
#include "planner/metis_synth.hpp"

using namespace chimera;
using namespace chimera::metis;

namespace {

const std::string kData = std::string(CHIMERA_SOURCE_DIR) + "/tests/data/metis";

// Every number of `a` equals the same number of `b` (parsed as double), keys and shapes equal.
void check_same_numbers(const nlohmann::json& a, const nlohmann::json& b, const std::string& where) {
  INFO(where);
  REQUIRE(a.type() == b.type());
  if (a.is_object()) {
    REQUIRE(a.size() == b.size());
    for (const auto& [k, v] : a.items()) {
      REQUIRE(b.contains(k));
      check_same_numbers(v, b[k], where + "." + k);
    }
  } else if (a.is_array()) {
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) check_same_numbers(a[i], b[i], where + "[" + std::to_string(i) + "]");
  } else if (a.is_number()) {
    CHECK(a.get<double>() == b.get<double>());
  } else {
    CHECK(a == b);
  }
}

void check_against_committed(int layers, const std::string& dir, std::size_t expected_files) {
  std::size_t compared = 0;
  for (const auto& p : synthesize_profiles(layers, 128)) {
    std::string path = dir + "/" + p.file_name();
    if (!std::filesystem::exists(path)) continue;
    std::string shipped = read_text_file(path, "profile");
    check_same_numbers(nlohmann::json::parse(profile_json(p)), nlohmann::json::parse(shipped), p.file_name());
    CHECK(profile_json(p) == shipped);  // byte for byte, as Python's json.dump(indent=2) wrote it
    ++compared;
  }
  CHECK(compared == expected_files);
}

}  // namespace

TEST_CASE("python_repr lays out shortest digits as Python does") {
  CHECK(python_repr(335.2949619293213) == "335.2949619293213");
  CHECK(python_repr(53120.0) == "53120.0");
  CHECK(python_repr(0.0001) == "0.0001");
  CHECK(python_repr(0.00001) == "1e-05");
  CHECK(python_repr(1.5e-7) == "1.5e-07");
  CHECK(python_repr(1234567890123456.0) == "1234567890123456.0");
  CHECK(python_repr(1e16) == "1e+16");
  CHECK(python_repr(-2.5) == "-2.5");
  CHECK(python_repr(0.0) == "0.0");
  CHECK(python_repr(0.1 + 0.2) == "0.30000000000000004");
  CHECK(shortest(1793.600994348526) == "1793.600994348526");
}

TEST_CASE("synthetic profiles: 2 types x 8 TP degrees x 8 batch sizes") {
  auto files = synthesize_profiles(10, 128);
  CHECK(files.size() == 128);
  CHECK(synthesize_profiles(10, 4).size() == 2 * 3 * 3);  // tp, bs in {1, 2, 4}
}

TEST_CASE("synthetic profiles equal the shipped layers10 files") {
  check_against_committed(10, kData + "/layers10", 128);
}

TEST_CASE("synthetic profiles equal the shipped layers20 files (committed sample)") {
  check_against_committed(20, kData + "/layers20", 10);
}

TEST_CASE("synthetic profiles: the generator's scaling rules hold exactly") {
  ProfileSet set = synthetic_profile_set(10, 128);
  // Doubling/halving by 2 is exact, so for tp >= 4 and bs >= 4 times depend only on bs/tp.
  for (int k : {1, 2, 4, 8, 16, 32})
    CHECK(set.find("A100", 4 * k, 4 * k)->layer_compute_ms == set.find("A100", 4, 4)->layer_compute_ms);
  // V100 = A100 x 3.5 per layer; memory equal for every type, tp and bs.
  const Profile* a = set.find("A100", 2, 16);
  const Profile* v = set.find("V100", 2, 16);
  for (std::size_t l = 0; l < a->layer_compute_ms.size(); ++l) CHECK(v->layer_compute_ms[l] == a->layer_compute_ms[l] * 3.5);
  CHECK(v->layer_memory_mb == set.find("A100", 128, 1)->layer_memory_mb);
  // Memory [7820, 4146 x (L-2), 12132].
  std::vector<double> mem(10, 4146);
  mem.front() = 7820;
  mem.back() = 12132;
  CHECK(a->layer_memory_mb == mem);
}

TEST_CASE("synthetic profiles: bad arguments") {
  CHECK_THROWS_AS(synthesize_profiles(1, 128), InputError);
  CHECK_THROWS_AS(synthesize_profiles(10, 96), InputError);
  CHECK_THROWS_AS(synthesize_profiles(10, 2), InputError);
}
