#include "cli/output.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <iostream>

namespace chimera {

void print_json(const nlohmann::json& j) { std::cout << j.dump(2) << "\n"; }

WallClock::WallClock(std::string what) : what_(std::move(what)), start_(std::chrono::steady_clock::now()) {}

WallClock::~WallClock() { fmt::print(stderr, "{}: wall time {:.3f} s\n", what_, seconds()); }

double WallClock::seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

}  // namespace chimera
