#pragma once
// The inline 8-bit coverage counters of the whole fuzz target (see coverage_counters.cpp).
#include <cstddef>
#include <cstdint>

namespace chimera::fuzz {

struct CoverageCounters {
  std::uint8_t* data = nullptr;
  std::size_t size = 0;  // 0 when the target has no such counters
};

CoverageCounters coverage_counters();

}  // namespace chimera::fuzz
