// Engine failures as clear errors (issue 17): a platform without a route between two GPUs that
// talk, the same with SimGrid aborting (Floyd routing), ns-3 unavailable, --timeout of run,
// sweep, fidelity and tune, SimGrid's log behind --log, and sweep merge's completeness checks.
// Each asserts the message and the exit code (README.md, "Exit codes").
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tests/e2e/cli_runner.hpp"

using chimera::test::read_file;
using chimera::test::run_cli;
using chimera::test::source_path;
using chimera::test::temp_dir;

namespace {

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

int line_count(const std::string& s) { return static_cast<int>(std::count(s.begin(), s.end(), '\n')); }

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

const std::string kDisconnected = "tests/data/robustness/disconnected-3.xml";

}  // namespace

TEST_CASE("robustness: a collective between hosts without a route is one input error, exit 2") {
  auto r = run_cli("collective --op allreduce --algo ring --ranks 0-2 --platform " + kDisconnected + " --sizes 4KiB");
  CHECK(r.exit_code == 2);
  CHECK(r.err ==
        "error: platform " + kDisconnected +
            ": no route from host gpu1 (rank 1) to host gpu2 (rank 2), which exchange messages (valid: a platform that "
            "connects every pair of GPUs that communicate (chimera-sim platform check FILE lists the missing routes))\n");
  CHECK(r.out.empty());
}

TEST_CASE("robustness: a scenario run over a cut-off host is one input error, exit 2") {
  auto r = run_cli("run tests/data/robustness/disconnected-3.toml");
  CHECK(r.exit_code == 2);
  CHECK(line_count(r.err) == 1);
  CHECK(contains(r.err, "error: platform "));
  CHECK(contains(r.err, "disconnected-3.xml: no route from host gpu"));
  CHECK(!contains(r.err, "CRITICAL"));
  CHECK(!contains(r.err, "Backtrace"));
}

TEST_CASE("robustness: a missing route in a Floyd zone (SimGrid throws there) is the same input error, exit 2") {
  const std::string floyd = "tests/data/robustness/disconnected-3-floyd.xml";
  auto r = run_cli("collective --op allreduce --algo ring --ranks 0-2 --platform " + floyd + " --sizes 4KiB");
  CHECK(r.exit_code == 2);
  CHECK(r.err == "error: platform " + floyd +
                     ": no route from host gpu1 (rank 1) to host gpu2 (rank 2), which exchange messages: No route from "
                     "'gpu1' to 'gpu2' (valid: a platform that connects every pair of GPUs that communicate (chimera-sim "
                     "platform check FILE lists the missing routes))\n");
}

TEST_CASE("robustness: fidelity without ns-3 shows no SimGrid warnings and no wall time for ns-3") {
  auto r = run_cli("fidelity scenarios/default.toml --models CM02,ns-3");
  REQUIRE(r.exit_code == 0);
  CHECK(!contains(r.err, "WARNING"));
  CHECK(!contains(r.err, "[res_ns3"));
  CHECK(contains(r.out, "  ns-3   not run (unavailable or timed out at every point)\n"));
  CHECK(!contains(r.out, "ns-3   wall"));
  auto j = run_cli("fidelity scenarios/default.toml --models CM02,ns-3 --json");
  REQUIRE(j.exit_code == 0);
  auto doc = nlohmann::json::parse(j.out);
  CHECK(doc["summary"]["ns-3"]["runs"] == 0);
  CHECK(doc["summary"]["CM02"]["runs"] == 1);
}

TEST_CASE("robustness: --log hands SimGrid's log back: the actors category traces each op") {
  auto quiet = run_cli("collective --op allreduce --algo ring --ranks 0-1 --platform tests/data/star8-50GBps-1us.xml --sizes 4KiB");
  REQUIRE(quiet.exit_code == 0);
  CHECK(!contains(quiet.err, "chimera_actors"));
  auto r = run_cli("collective --op allreduce --algo ring --ranks 0-1 --platform tests/data/star8-50GBps-1us.xml --sizes 4KiB "
                   "--log=chimera_actors.thres:debug --log=chimera_collectives.thres:debug");
  REQUIRE(r.exit_code == 0);
  CHECK(r.out == quiet.out);  // the log goes to stderr only
  CHECK(contains(r.err, "[chimera_actors/VERBOSE] rank 0 "));
  CHECK(contains(r.err, "[chimera_actors/VERBOSE] rank 1 "));
  CHECK(contains(r.err, "op 0 (allreduce"));
  CHECK(contains(r.err, ") starts"));
  CHECK(contains(r.err, "[chimera_collectives/VERBOSE] rank 0: allreduce ring over 2 ranks, 4096 bytes"));
  CHECK(contains(r.err, "[chimera_collectives/VERBOSE] rank 0 -> rank 1: 2048 bytes"));
}

TEST_CASE("robustness: run --timeout ends the run with one line and exit 124") {
  auto r = run_cli("run scenarios/default.toml --timeout 0.01");
  CHECK(r.exit_code == 124);
  CHECK(r.err == "error: the run of scenarios/default.toml exceeded --timeout 0.01 s\n");
  CHECK(r.out.empty());
  auto bad = run_cli("run scenarios/default.toml --timeout -1");
  CHECK(bad.exit_code == 2);
  CHECK(contains(bad.err, "--timeout"));
}

TEST_CASE("robustness: a sweep point past --timeout is a `timeout` row and the sweep goes on") {
  const std::string dir = temp_dir();
  // Point 0: one 1 KiB message between two GPUs (milliseconds); point 1: a step-level ring
  // all-reduce over 512 GPUs (over a million messages: seconds, even on a fast machine).
  std::ofstream(dir + "/sweep.toml") << "schema = 1\nkind = \"collective\"\noutput = \"out.csv\"\n[fixed]\nplatform = \""
                                     << source_path("tests/data/star512-50GBps-1us.xml")
                                     << "\"\nop = \"allreduce\"\nalgo = \"ring\"\nbytes = \"1KiB\"\n[axes]\nranks = [\"0-1\", \"0-511\"]\n";
  auto r = run_cli("sweep '" + dir + "/sweep.toml' --timeout 1");
  REQUIRE(r.exit_code == 0);
  auto rows = lines_of(read_file(dir + "/out.csv"));
  REQUIRE(rows.size() == 3);
  CHECK(rows[0] == "point,ranks,time_s,algbw_Bps,busbw_Bps,messages");
  CHECK(rows[1].rfind("0,0-1,", 0) == 0);
  CHECK(!contains(rows[1], "timeout"));
  CHECK(rows[2] == "1,0-511,timeout,timeout,timeout,timeout");
  CHECK(contains(r.err, "point 1 ranks=0-511: timed out after"));
  CHECK(contains(r.out, "1 timed out"));
  // Merging counts it as present (recorded), and says so.
  auto m = run_cli("sweep merge -o '" + dir + "/m.csv' '" + dir + "/out.csv' --sweep '" + dir + "/sweep.toml'");
  CHECK(m.exit_code == 0);
  CHECK(contains(m.out, "(1 timed out)"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("robustness: fidelity and tune report runs past --timeout as timed out") {
  auto f = run_cli("fidelity scenarios/default.toml --models CM02 --timeout 0.01");
  REQUIRE(f.exit_code == 0);
  CHECK(contains(f.out, "  CM02         timed out: the run exceeded --timeout 0.01 s\n"));
  CHECK(contains(f.out, "  CM02   not run (unavailable or timed out at every point)\n"));
  auto t = run_cli("tune scenarios/pipeline/1f1b-gpt2-64.toml --gpus 8 --memory 16GiB --top 1 --timeout 0.01 --json");
  REQUIRE(t.exit_code == 0);
  auto doc = nlohmann::json::parse(t.out);
  REQUIRE(doc["simulated"].size() == 1);
  CHECK(doc["simulated"][0]["timed_out"] == true);
  CHECK(!doc["simulated"][0].contains("simulated_iteration_s"));
}

TEST_CASE("robustness: sweep merge of incomplete or inconsistent shards exits 2 naming what is missing") {
  const std::string dir = temp_dir();
  std::ofstream(dir + "/sweep.toml") << "schema = 1\nkind = \"collective\"\noutput = \"out.csv\"\n[fixed]\nplatform = \""
                                     << source_path("tests/data/star8-50GBps-1us.xml")
                                     << "\"\nop = \"allreduce\"\nalgo = \"ring\"\nranks = \"0-3\"\n[axes]\nbytes = [\"1KiB\", "
                                        "\"2KiB\", \"4KiB\", \"8KiB\", \"16KiB\", \"32KiB\", \"64KiB\", \"128KiB\"]\n";
  REQUIRE(run_cli("sweep '" + dir + "/sweep.toml' -j 2").exit_code == 0);
  auto rows = lines_of(read_file(dir + "/out.csv"));
  REQUIRE(rows.size() == 9);
  // The shards of --shard i/4 (point % 4 == i), written from the complete run.
  for (int s = 0; s < 4; ++s) {
    std::ofstream out(dir + "/s" + std::to_string(s) + ".csv");
    out << rows[0] << "\n";
    for (int p = s; p < 8; p += 4) out << rows[p + 1] << "\n";
  }
  const std::string s0 = "'" + dir + "/s0.csv'", s1 = "'" + dir + "/s1.csv'", s2 = "'" + dir + "/s2.csv'",
                    s3 = "'" + dir + "/s3.csv'", sweep = " --sweep '" + dir + "/sweep.toml'";
  const std::string out = " -o '" + dir + "/merged.csv'";

  auto all = run_cli("sweep merge" + out + " " + s0 + " " + s1 + " " + s2 + " " + s3 + sweep);
  REQUIRE(all.exit_code == 0);
  CHECK(read_file(dir + "/merged.csv") == read_file(dir + "/out.csv"));
  std::filesystem::remove(dir + "/merged.csv");

  // 3 of 4 shards: the missing points are named, nothing is written.
  const std::string missing =
      "error: sweep merge: 2 of 8 points are missing: 3, 7 (valid: the CSVs of every shard (run the missing shards with "
      "chimera-sim sweep FILE --shard i/n))\n";
  auto three = run_cli("sweep merge" + out + " " + s0 + " " + s1 + " " + s2 + sweep);
  CHECK(three.exit_code == 2);
  CHECK(three.err == missing);
  CHECK(!std::filesystem::exists(dir + "/merged.csv"));
  // Without the sweep file the number of points comes from the highest one present: the gaps
  // of a missing shard still show.
  auto gaps = run_cli("sweep merge" + out + " " + s0 + " " + s1 + " " + s3);
  CHECK(gaps.exit_code == 2);
  CHECK(gaps.err ==
        "error: sweep merge: 2 of 8 points are missing: 2, 6 (valid: the CSVs of every shard (run the missing shards with "
        "chimera-sim sweep FILE --shard i/n))\n");
  // A shard given twice: every point once.
  auto twice = run_cli("sweep merge" + out + " " + s0 + " " + s1 + " " + s2 + " " + s3 + " " + s1);
  CHECK(twice.exit_code == 2);
  CHECK(twice.err == "error: " + dir + "/s1.csv: point 1 is also in " + dir +
                         "/s1.csv: each point must come from one shard (valid: each shard's CSV once)\n");
  // A shard of another sweep (same columns, other labels).
  {
    std::ofstream other(dir + "/other.csv");
    other << rows[0] << "\n";
    std::string row = rows[4];  // point 3, 8KiB
    other << row.replace(row.find("8KiB"), 4, "9KiB") << "\n";
  }
  auto foreign = run_cli("sweep merge" + out + " " + s0 + " " + s1 + " " + s2 + " '" + dir + "/other.csv'" + sweep);
  CHECK(foreign.exit_code == 2);
  CHECK(foreign.err == "error: " + dir + "/other.csv: bytes: point 3 has bytes = '9KiB' but in the sweep " + dir +
                           "/sweep.toml it is '8KiB' (valid: CSVs of the shards of that sweep)\n");
  std::filesystem::remove_all(dir);
}
