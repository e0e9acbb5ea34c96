// Sweep TOML (study/sweep_file.cpp): parse_sweep on arbitrary text, which also validates every
// point (kind run: the scenario each point names, with its overrides). The input poses as a
// file in scenarios/fidelity/, where the sweep seeds live.
#include "study/sweep.hpp"
#include "fuzz/fuzz_util.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string kName = CHIMERA_SOURCE_DIR "/scenarios/fidelity/input.toml";
  chimera::fuzz::expect_clean([&] { (void)chimera::parse_sweep(chimera::fuzz::text(data, size), kName); });
  return 0;
}
