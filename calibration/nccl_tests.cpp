#include "calibration/nccl_tests.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/input_error.hpp"

namespace chimera {
namespace {

struct TestName {
  NcclTest test;
  const char* name;
};
constexpr TestName kNames[] = {{NcclTest::all_reduce, "all_reduce_perf"},
                               {NcclTest::all_gather, "all_gather_perf"},
                               {NcclTest::reduce_scatter, "reduce_scatter_perf"},
                               {NcclTest::alltoall, "alltoall_perf"},
                               {NcclTest::sendrecv, "sendrecv_perf"}};

std::vector<std::string> split(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

bool number(const std::string& s, double& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && std::isfinite(out);
}

}  // namespace

const char* to_string(NcclTest t) {
  for (const auto& n : kNames)
    if (n.test == t) return n.name;
  return "?";
}

bool parse_nccl_test(const std::string& s, NcclTest& out) {
  for (const auto& n : kNames)
    if (s == n.name || s + "_perf" == n.name) return out = n.test, true;
  return false;
}

CollectiveKind nccl_test_collective(NcclTest t) {
  switch (t) {
    case NcclTest::all_reduce: return CollectiveKind::all_reduce;
    case NcclTest::all_gather: return CollectiveKind::all_gather;
    case NcclTest::reduce_scatter: return CollectiveKind::reduce_scatter;
    case NcclTest::alltoall: return CollectiveKind::all_to_all;
    case NcclTest::sendrecv: return CollectiveKind::multicast;
  }
  return CollectiveKind::all_reduce;
}

NcclTestsRun parse_nccl_tests(const std::string& file, const std::string& text, std::optional<NcclTest> test) {
  NcclTestsRun run;
  run.file = file;
  std::istringstream in(text);
  std::string line;
  int n = 0;
  auto error = [&](int at, const std::string& key, const std::string& problem, const std::string& valid) {
    return InputError({file, at}, key, problem, valid);
  };
  const std::string row_form =
      "a row of 'size count type redop root time algbw busbw #wrong' (then the in-place columns), numbers in bytes, "
      "us and GB/s, as nccl-tests prints it";
  std::optional<NcclTest> named;
  while (std::getline(in, line)) {
    ++n;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    auto words = split(line);
    if (words.empty()) continue;
    if (words.front().front() == '#') {
      // "#  Rank  0 Group  0 Pid 123 on host device  0 [0x18] NVIDIA H100 80GB HBM3"
      if (words.size() >= 8 && (words[0] == "#" && words[1] == "Rank")) {
        double r = 0;
        if (!number(words[2], r) || r != run.ranks)
          throw error(n, "Rank", fmt::format("rank line '{}' is out of order (expected rank {})", words[2], run.ranks),
                      "the '# Using devices' block of nccl-tests, ranks 0, 1, 2, ... in order");
        std::string host;
        for (std::size_t i = 3; i + 1 < words.size(); ++i)
          if (words[i] == "on") host = words[i + 1];
        run.hosts.push_back(host);
        run.ranks++;
      }
      // "# Collective test starting: all_reduce_perf"
      auto pos = line.find("test starting:");
      if (pos != std::string::npos) {
        auto w = split(line.substr(pos + 14));
        NcclTest t;
        if (!w.empty() && parse_nccl_test(w.front(), t)) named = t;
      }
      continue;
    }
    // A data row: 13 columns (size count type redop root, then time algbw busbw #wrong out of
    // place and in place); in-place columns may read N/A. Older nccl-tests print no redop / root
    // for some tests: 11 columns.
    if (words.size() != 13 && words.size() != 11)
      throw error(n, "row", fmt::format("{} columns where nccl-tests prints 13 (or 11)", words.size()), row_form);
    const std::size_t t0 = words.size() == 13 ? 5 : 3;
    NcclTestsRow r;
    r.line = n;
    double time_us = 0, algbw = 0, busbw = 0;
    if (!number(words[0], r.bytes) || !(r.bytes >= 0))
      throw error(n, "size", fmt::format("'{}' is not a size in bytes", words[0]), row_form);
    if (!number(words[t0], time_us) || !(time_us > 0))
      throw error(n, "time", fmt::format("'{}' is not a positive time in microseconds", words[t0]), row_form);
    if (!number(words[t0 + 1], algbw) || !number(words[t0 + 2], busbw) || algbw < 0 || busbw < 0)
      throw error(n, "algbw", fmt::format("'{}' / '{}' are not bandwidths in GB/s", words[t0 + 1], words[t0 + 2]),
                  row_form);
    r.time_s = time_us * 1e-6;
    r.algbw_Bps = algbw * 1e9;
    r.busbw_Bps = busbw * 1e9;
    run.rows.push_back(r);
  }
  if (test) {
    run.test = *test;
  } else if (named) {
    run.test = *named;
  } else {
    const std::string stem = std::filesystem::path(file).filename().string();
    bool found = false;
    for (const auto& t : kNames)
      if (stem.find(t.name) != std::string::npos) run.test = t.test, found = true;
    if (!found)
      throw error(0, "test",
                  "cannot tell which nccl-tests binary wrote this (no '# Collective test starting:' line, and the "
                  "file name names none)",
                  std::string("name the file after the binary, e.g. all_reduce_perf.txt, or give --test: ") +
                      kNcclTestChoices);
  }
  if (run.rows.empty())
    throw error(n, "rows", "no data rows (every line is a comment or empty)", "nccl-tests output with its table of sizes");
  if (run.ranks == 0)
    throw error(0, "Rank", "no '#  Rank N Group G Pid P on HOST device D' lines, so the rank count is unknown",
                "paste the whole output, header included");
  if (run.ranks < 2) throw error(0, "Rank", "a single rank moves no data", "a run over 2 or more GPUs");
  return run;
}

NcclTestsRun read_nccl_tests(const std::string& file, std::optional<NcclTest> test) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw InputError({file, 0}, "file", "cannot open the file", "an nccl-tests output file");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_nccl_tests(file, ss.str(), test);
}

}  // namespace chimera
