#pragma once
// What the fuzz targets count as a finding. A parser may reject any input, but only with an
// InputError that names the file (chimera-sim prints it as one line and exits with code 2);
// any other exception reaches main() as an "internal error" (exit 1), and a crash, a
// sanitizer report, a hang or a leak is a bug by itself. Findings abort, so libFuzzer keeps
// the input.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>

#include "common/input_error.hpp"

#ifndef CHIMERA_SOURCE_DIR
#error "fuzz targets need CHIMERA_SOURCE_DIR (fuzz/CMakeLists.txt)"
#endif

namespace chimera::fuzz {

inline std::string_view text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

[[noreturn]] inline void finding(const char* what, const std::string& detail) {
  std::fprintf(stderr, "\n*** fuzz finding: %s: %s\n", what, detail.c_str());
  std::fflush(stderr);
  std::abort();
}

// Runs `parse`. An InputError that names a file is the parser doing its job.
template <class F>
void expect_clean(F&& parse) {
  try {
    parse();
  } catch (const InputError& e) {
    if (e.where().file.empty()) finding("an InputError that names no file", e.what());
    if (e.problem().empty()) finding("an InputError that says nothing", e.what());
  } catch (const std::exception& e) {
    finding("an exception other than InputError (chimera-sim: internal error, exit 1)", e.what());
  }
}

}  // namespace chimera::fuzz
