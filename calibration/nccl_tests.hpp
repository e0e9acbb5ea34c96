#pragma once
// nccl-tests output as users paste it (all_reduce_perf, all_gather_perf, reduce_scatter_perf,
// alltoall_perf, sendrecv_perf): the header names the ranks ("#  Rank  0 Group  0 Pid ... on
// HOST device 0 ..."), and each data row gives size, count, type, redop, root, then
// out-of-place time (us), algbw, busbw (GB/s), #wrong and the same in place. Engine-free.
#include <optional>
#include <string>
#include <vector>

#include "workloads/program.hpp"

namespace chimera {

// The nccl-tests binaries this reads, and the collective each measures (sendrecv_perf: every
// rank sends to the next and receives from the previous, a ring of point-to-point pairs).
enum class NcclTest { all_reduce, all_gather, reduce_scatter, alltoall, sendrecv };
const char* to_string(NcclTest t);  // "all_reduce_perf", ...
bool parse_nccl_test(const std::string& s, NcclTest& out);  // "all_reduce_perf" or "all_reduce"
inline constexpr const char* kNcclTestChoices =
    "all_reduce_perf, all_gather_perf, reduce_scatter_perf, alltoall_perf, sendrecv_perf";

struct NcclTestsRow {
  double bytes = 0;      // nccl-tests' size column (see collectives/README.md for each test's convention)
  double time_s = 0;     // out-of-place time
  double algbw_Bps = 0;
  double busbw_Bps = 0;
  int line = 0;          // line in the file
};

struct NcclTestsRun {
  std::string file;
  NcclTest test = NcclTest::all_reduce;
  int ranks = 0;                       // "#  Rank" lines of the header
  std::vector<std::string> hosts;      // hosts of the ranks, in rank order
  std::vector<NcclTestsRow> rows;      // in file order
};

// Reads one nccl-tests output. The test comes from `test` when given, else from the
// "# Collective test starting: NAME" line, else from the file name (all_reduce_perf*.txt).
// InputError (file, line, what is wrong, what would be valid) on anything it cannot read: no
// data rows, a row with missing or non-numeric columns, an unknown test, no rank lines.
NcclTestsRun parse_nccl_tests(const std::string& file, const std::string& text, std::optional<NcclTest> test = {});
NcclTestsRun read_nccl_tests(const std::string& file, std::optional<NcclTest> test = {});

// The collective a test measures, with the simulator's size convention of its size column.
CollectiveKind nccl_test_collective(NcclTest t);  // sendrecv: multicast (source i -> i+1)

}  // namespace chimera
