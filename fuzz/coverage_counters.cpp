// Where libFuzzer's inline 8-bit coverage counters live (the __sancov_cntrs section), for
// targets that run the code under test in a child process and copy its counters back
// (fuzz/platform_xml.cpp). Compiled without coverage instrumentation (fuzz/CMakeLists.txt): in
// an instrumented file, naming the section's bounds would clash with the symbols the
// instrumentation itself declares, and libFuzzer would not see the counters at all.
#include "fuzz/coverage_counters.hpp"

extern "C" {
extern std::uint8_t __start___sancov_cntrs[] __attribute__((weak, visibility("hidden")));
extern std::uint8_t __stop___sancov_cntrs[] __attribute__((weak, visibility("hidden")));
}

namespace chimera::fuzz {

CoverageCounters coverage_counters() {
  std::uint8_t* begin = __start___sancov_cntrs;
  std::uint8_t* end = __stop___sancov_cntrs;
  if (begin == nullptr || end <= begin) return {};
  return {begin, static_cast<std::size_t>(end - begin)};
}

}  // namespace chimera::fuzz
