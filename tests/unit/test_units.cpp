#include <doctest/doctest.h>

#include <stdexcept>

#include "common/units.hpp"
#include "tests/approx.hpp"

using namespace chimera;
using chimera::test::approx;

TEST_CASE("sizes: decimal and binary units") {
  CHECK(parse_bytes("4096") == 4096);
  CHECK(parse_bytes("4KiB") == 4096);
  CHECK(parse_bytes("4 MiB") == 4.0 * 1024 * 1024);
  CHECK(parse_bytes("1GiB") == 1073741824.0);
  CHECK(parse_bytes("1.5GB") == 1.5e9);
  CHECK(parse_bytes("512B") == 512);
  CHECK_THROWS_AS(parse_bytes("4QB"), std::invalid_argument);
  CHECK_THROWS_AS(parse_bytes("MiB"), std::invalid_argument);
  CHECK_THROWS_AS(parse_bytes("-4KiB"), std::invalid_argument);
}

TEST_CASE("bandwidths: bytes and bits per second") {
  CHECK(parse_bandwidth("50GBps") == 50e9);
  CHECK(parse_bandwidth("50 GB/s") == 50e9);
  CHECK(parse_bandwidth("400Gbps") == 50e9);  // 400e9 bits = 50e9 bytes
  CHECK(parse_bandwidth("1KiBps") == 1024);
  CHECK_THROWS_AS(parse_bandwidth("50"), std::invalid_argument);  // a unit is required
  CHECK_THROWS_AS(parse_bandwidth("50GHz"), std::invalid_argument);
}

TEST_CASE("durations") {
  CHECK(parse_duration("100ns") == approx(100e-9));
  CHECK(parse_duration("1us") == approx(1e-6));
  CHECK(parse_duration("2ms") == approx(2e-3));
  CHECK(parse_duration("3") == 3);
  CHECK_THROWS_AS(parse_duration("3 fortnights"), std::invalid_argument);
}

TEST_CASE("size sweeps double from MIN to MAX") {
  auto s = parse_byte_sweep("4KiB:32MiB");
  REQUIRE(s.size() == 14);  // 2^12 .. 2^25: the research's 14 synthetic sizes
  CHECK(s.front() == 4096);
  CHECK(s.back() == 32.0 * 1024 * 1024);
  CHECK(parse_byte_sweep("1MiB,1GiB") == std::vector<double>{1048576.0, 1073741824.0});
  CHECK(parse_byte_sweep("8") == std::vector<double>{8});
  CHECK_THROWS_AS(parse_byte_sweep("4GiB:4KiB"), std::invalid_argument);
}

TEST_CASE("rank lists") {
  CHECK(parse_rank_list("0-3") == std::vector<int>{0, 1, 2, 3});
  CHECK(parse_rank_list("0,2,4-6") == std::vector<int>{0, 2, 4, 5, 6});
  CHECK(parse_rank_list("7") == std::vector<int>{7});
  CHECK_THROWS_AS(parse_rank_list("3-1"), std::invalid_argument);
  CHECK_THROWS_AS(parse_rank_list("1,1"), std::invalid_argument);
  CHECK_THROWS_AS(parse_rank_list("a"), std::invalid_argument);
  CHECK_THROWS_AS(parse_rank_list(""), std::invalid_argument);
}

TEST_CASE("formatting for tables") {
  CHECK(format_bytes(4096) == "4 KiB");
  CHECK(format_bytes(1536) == "1.50 KiB");
  CHECK(format_bandwidth(50e9) == "50.00 GB/s");
  CHECK(format_duration(1.5e-3) == "1.5000 ms");
}
