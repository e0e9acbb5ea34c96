// Metis profile (planner/metis_profiles.cpp). Input: the file name on the first line
// (DeviceType.<TYPE>_tp<N>_bs<N>.json, which gives type, tp and bs), the JSON after it. The
// profile joins a copy of the committed 10-layer set, whose lookups, constants and grid check
// then run with it.
#include "fuzz/fuzz_util.hpp"
#include "planner/metis_profiles.hpp"

namespace {
const std::string kDir = CHIMERA_SOURCE_DIR "/tests/data/metis/layers10";
constexpr int kLayers = 10;
const chimera::metis::ProfileSet* g_base = nullptr;
}  // namespace

// The committed set is loaded once before fuzzing starts, so that its load (seconds under ASan
// on a loaded machine) is not charged to the first input's -timeout.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  static const chimera::metis::ProfileSet base = chimera::metis::load_profiles(kDir, kLayers);
  g_base = &base;
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace chimera;
  std::string_view input = fuzz::text(data, size);
  std::size_t nl = input.find('\n');
  std::string name(input.substr(0, nl));
  std::string_view json = nl == std::string_view::npos ? std::string_view{} : input.substr(nl + 1);
  fuzz::expect_clean([&] {
    metis::Profile p = metis::parse_profile(json, name, kDir + "/" + name, kLayers);
    metis::ProfileSet set = *g_base;
    set.add(p);
    if (set.find(p.type, p.tp, p.bs) == nullptr) fuzz::finding("a profile just added is not found", name);
    (void)metis::model_constants(set, "A100_tp1_bs1", false);
    std::string constants = name.substr(0, name.size() - 5).substr(11);  // TYPE_tpN_bsN
    try {
      (void)metis::model_constants(set, constants, false);
    } catch (const InputError& e) {
      // --constants names a profile on the command line; its errors name the option.
      if (e.key() != "--constants" && e.where().file.empty()) throw;
    }
    metis::check_profile_grid(set, {p.type}, 1, 1);
  });
  return 0;
}
