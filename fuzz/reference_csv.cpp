// Fidelity reference CSV (study/reference_csv.cpp), joined to three sweeps: the collective test
// sweep (key columns, no clock), the six-pair fusion sweep (a variant column; clock given as
// with --clock-ghz) and a single scenario (no key column).
#include <optional>
#include <vector>

#include "study/reference_csv.hpp"
#include "fuzz/fuzz_util.hpp"

namespace {

struct Sweep {
  chimera::SweepSpec spec;
  std::optional<double> clock_ghz;
};

const std::vector<Sweep>& sweeps() {
  static const std::vector<Sweep> all = {
      {chimera::load_sweep(CHIMERA_SOURCE_DIR "/tests/data/fidelity/collectives.toml"), std::nullopt},
      {chimera::load_sweep(CHIMERA_SOURCE_DIR "/scenarios/fidelity/pairs.toml"), 1.5},
      {chimera::single_scenario_sweep(CHIMERA_SOURCE_DIR "/scenarios/default.toml"), std::nullopt}};
  return all;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)sweeps();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  for (const Sweep& s : sweeps())
    chimera::fuzz::expect_clean(
        [&] { (void)chimera::parse_reference_csv(chimera::fuzz::text(data, size), "reference.csv", s.spec, s.clock_ghz); });
  return 0;
}
