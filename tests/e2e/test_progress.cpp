// Progress on stderr for long work (issue 18, item 2): ops done, simulated time, ETA; never on
// stdout; --quiet silences it. Tests set --progress-interval 0 so that short runs report too
// (stderr is a file here, not a terminal: one line per report).
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "tests/e2e/cli_runner.hpp"

using chimera::test::run_cli;
using chimera::test::temp_dir;

namespace {
bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }
int count(const std::string& text, const std::string& part) {
  int n = 0;
  for (auto p = text.find(part); p != std::string::npos; p = text.find(part, p + 1)) ++n;
  return n;
}
}  // namespace

TEST_CASE("run reports ops done, simulated time and ETA on stderr, and --quiet silences it") {
  auto plain = run_cli("run scenarios/default.toml --json");
  REQUIRE(plain.exit_code == 0);
  CHECK_FALSE(contains(plain.err, "ETA"));  // short work stays silent at the default interval

  auto loud = run_cli("--progress-interval 0 run scenarios/default.toml --json");
  REQUIRE_MESSAGE(loud.exit_code == 0, loud.err);
  CHECK(loud.out == plain.out);  // results untouched
  // 3976 ops over the 8 ranks (report totals.ops).
  CHECK(count(loud.err, "run: ops: ") >= 1);
  CHECK(contains(loud.err, "/3976 ("));
  CHECK(contains(loud.err, "simulated "));
  CHECK(contains(loud.err, "ETA "));
  // Every line whole: the wall-time line starts a line of its own.
  CHECK(contains(loud.err, "\nrun: wall time"));

  auto quiet = run_cli("--progress-interval 0 run scenarios/default.toml --json --quiet");
  REQUIRE(quiet.exit_code == 0);
  CHECK(quiet.out == plain.out);
  CHECK_FALSE(contains(quiet.err, "ETA"));
}

TEST_CASE("sweep reports points done and ETA on stderr") {
  const std::string out = temp_dir() + "/s.csv";
  // Two points: a 2-GPU transfer and an 8-GPU ring all-reduce.
  auto s = run_cli("--progress-interval 0 sweep tests/data/fidelity/collectives.toml --output '" + out + "'");
  REQUIRE_MESSAGE(s.exit_code == 0, s.err);
  CHECK(contains(s.err, "sweep: points: 1/2 (50.0%)"));
  CHECK(contains(s.err, "sweep: points: 2/2 (100.0%)"));
  CHECK(contains(s.err, "ETA 0 s"));
  std::filesystem::remove(out);
  auto quiet = run_cli("-q --progress-interval 0 sweep tests/data/fidelity/collectives.toml --output '" + out + "'");
  REQUIRE(quiet.exit_code == 0);
  CHECK_FALSE(contains(quiet.err, "ETA"));
  CHECK_FALSE(contains(quiet.err, "points, shard"));
}
