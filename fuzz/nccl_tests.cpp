// nccl-tests output as `chimera-sim calibrate` reads it (calibration/nccl_tests.cpp), with the
// test named by the file, by a header line, and forced.
#include <string>

#include "calibration/nccl_tests.hpp"
#include "fuzz/fuzz_util.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(chimera::fuzz::text(data, size));
  chimera::fuzz::expect_clean([&] { (void)chimera::parse_nccl_tests("all_reduce_perf.txt", text); });
  chimera::fuzz::expect_clean([&] { (void)chimera::parse_nccl_tests("measured.txt", text); });
  chimera::fuzz::expect_clean(
      [&] { (void)chimera::parse_nccl_tests("measured.txt", text, chimera::NcclTest::sendrecv); });
  return 0;
}
