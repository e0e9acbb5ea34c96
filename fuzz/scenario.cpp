// Scenario TOML (study/scenario_file.cpp): parse_scenario on arbitrary text. The input poses as a
// file two levels under scenarios/, where most seeds live, so their relative platform and
// preset paths resolve. An accepted scenario must hold what the parser promises (positive
// shapes and degrees that multiply to the rank count): a value silently truncated to int
// would break it.
#include <fmt/format.h>

#include "study/scenario.hpp"
#include "fuzz/fuzz_util.hpp"

namespace {

void check_accepted(const chimera::Scenario& s) {
  const chimera::ModelSpec& m = s.model;
  for (auto [name, v] : {std::pair{"layers", m.layers}, {"hidden", m.hidden}, {"heads", m.heads}, {"vocab", m.vocab},
                         {"sequence", m.sequence}, {"micro_batch", m.micro_batch}, {"ffn_hidden", m.ffn_hidden}})
    if (v < 1) chimera::fuzz::finding("an accepted scenario has a model size < 1", fmt::format("{} = {}", name, v));
  if (s.workload.e2e) return;  // places its own stages
  const chimera::ParallelPlan& p = s.parallel;
  for (auto [name, v] : {std::pair{"tp", p.tp}, {"pp", p.pp}, {"dp", p.dp}, {"sp", p.sp}, {"ep", p.ep},
                         {"micro_batches", p.micro_batches}})
    if (v < 1) chimera::fuzz::finding("an accepted scenario has a parallel degree < 1", fmt::format("{} = {}", name, v));
  if (s.ranks() != long(p.tp) * p.sp * p.pp * p.dp)
    chimera::fuzz::finding("an accepted scenario's rank count is not tp x sp x pp x dp", fmt::format("{}", s.ranks()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string kName = CHIMERA_SOURCE_DIR "/scenarios/fuzz/input.toml";
  chimera::fuzz::expect_clean(
      [&] { check_accepted(chimera::parse_scenario(std::string(chimera::fuzz::text(data, size)), kName)); });
  return 0;
}
