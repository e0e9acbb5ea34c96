#include "cli/output.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <exception>
#include <iostream>

namespace chimera {

void print_json(const nlohmann::json& j) { std::cout << j.dump(2) << "\n"; }

void flush_stdout() {
  std::cout.flush();
  std::fflush(stdout);
}

WallClock::WallClock(std::string what) : what_(std::move(what)), start_(std::chrono::steady_clock::now()) {}

WallClock::~WallClock() {
  // Only for work that finished: an error message stays the one line on stderr.
  if (std::uncaught_exceptions() == 0) {
    flush_stdout();  // a result line never shares a line with this one
    fmt::print(stderr, "{}: wall time {:.3f} s\n", what_, seconds());
  }
}

double WallClock::seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

}  // namespace chimera
