// `chimera-sim sweep`: a small sweep end to end with numbers from the ring all-reduce closed
// form, a sweep killed mid-way and restarted (every point exactly once, the same file as an
// uninterrupted run), a torn last line, shards whose merge equals the unsharded run, and bad
// sweep files as clear errors.
#include <doctest/doctest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/approx.hpp"
#include "tests/e2e/cli_runner.hpp"

using chimera::test::read_file;
using chimera::test::run_cli;
using chimera::test::source_path;
using chimera::test::temp_dir;
using chimera::test::approx;

namespace {

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  std::istringstream in(line);
  for (std::string cell; std::getline(in, cell, ',');) out.push_back(cell);
  return out;
}

// Ring all-reduce over n ranks of the 50 GB/s, 1 us-route test star (tests/data): sizes and
// groups as axes.
std::string write_sweep(const std::string& dir, const std::string& platform, const std::string& ranks,
                        const std::string& sizes, const std::string& extra = "") {
  std::ofstream(dir + "/sweep.toml") << "schema = 1\nkind = \"collective\"\noutput = \"out.csv\"\n"
                                     << "order = [\"case\", \"bytes\"]\n" << extra << "[fixed]\nplatform = \""
                                     << source_path(platform) << "\"\nop = \"allreduce\"\nalgo = \"ring\"\n"
                                     << "[axes]\nbytes = " << sizes << "\n" << ranks;
  return dir + "/sweep.toml";
}

const char* kTwoGroups =
    "[[axes.case]]\nname = \"ring8\"\nranks = \"0-7\"\n[[axes.case]]\nname = \"ring4\"\nranks = \"0-3\"\n";

}  // namespace

TEST_CASE("sweep: a collective sweep end to end gives the ring all-reduce closed form per row") {
  std::string dir = temp_dir();
  std::string file = write_sweep(dir, "tests/data/star8-50GBps-1us.xml", kTwoGroups, "[\"1MiB\", \"16MiB\"]");
  auto r = run_cli("sweep '" + file + "' -j 2");
  REQUIRE(r.exit_code == 0);
  auto rows = lines_of(read_file(dir + "/out.csv"));
  REQUIRE(rows.size() == 5);
  CHECK(rows[0].rfind("point,case,bytes,time_s,", 0) == 0);
  const double B = 50e9, a = 1e-6;
  std::map<std::string, double> n = {{"ring8", 8}, {"ring4", 4}};
  std::map<std::string, double> S = {{"1MiB", 1 << 20}, {"16MiB", 16 << 20}};
  for (std::size_t i = 1; i < rows.size(); ++i) {
    auto c = split(rows[i]);
    CAPTURE(rows[i]);
    CHECK(c[0] == std::to_string(i - 1));  // sorted by point
    const double p = n.at(c[1]), bytes = S.at(c[2]);
    CHECK(std::stod(c[3]) == approx(2 * (p - 1) / p * bytes / B + 2 * (p - 1) * a).epsilon(0.005));
  }
  CHECK(contains(r.out + r.err, "4 points run now"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("sweep: a torn last line is dropped and its point rerun, shards merge into the unsharded file") {
  std::string dir = temp_dir();
  std::string file = write_sweep(dir, "tests/data/star8-50GBps-1us.xml", kTwoGroups, "[\"1MiB\", \"4MiB\", \"16MiB\"]");
  REQUIRE(run_cli("sweep '" + file + "' -j 2").exit_code == 0);
  const std::string full = read_file(dir + "/out.csv");
  auto rows = lines_of(full);
  REQUIRE(rows.size() == 7);
  // As if killed while writing point 2: two finished rows and half of the third.
  {
    std::ofstream out(dir + "/out.csv", std::ios::trunc);
    out << rows[0] << "\n" << rows[1] << "\n" << rows[2] << "\n" << rows[3].substr(0, rows[3].size() / 2);
  }
  auto again = run_cli("sweep '" + file + "' -j 2");
  REQUIRE(again.exit_code == 0);
  CHECK(contains(again.out + again.err, "4 points run now, 2 already done"));
  CHECK(read_file(dir + "/out.csv") == full);
  // Shards 0/2 and 1/2 on their own outputs, merged.
  for (int i = 0; i < 2; ++i)
    REQUIRE(run_cli("sweep '" + file + "' --shard " + std::to_string(i) + "/2 --output '" + dir + "/s" +
                    std::to_string(i) + ".csv'")
                .exit_code == 0);
  CHECK(lines_of(read_file(dir + "/s0.csv")).size() == 4);
  CHECK(lines_of(read_file(dir + "/s1.csv")).size() == 4);
  REQUIRE(run_cli("sweep merge -o '" + dir + "/merged.csv' '" + dir + "/s1.csv' '" + dir + "/s0.csv'").exit_code == 0);
  CHECK(read_file(dir + "/merged.csv") == full);
  std::filesystem::remove_all(dir);
}

// A real SIGKILL of the sweep's whole process group while its points run (each a step-level
// ring all-reduce over 128 ranks, a fraction of a second), then a restart.
TEST_CASE("sweep: killed mid-way and restarted, every point appears exactly once") {
  std::string dir = temp_dir();
  std::string file = write_sweep(dir, "tests/data/star512-50GBps-1us.xml",
                                 "[[axes.case]]\nname = \"ring128\"\nranks = \"0-127\"\n",
                                 "[\"1MiB\", \"2MiB\", \"4MiB\", \"8MiB\", \"16MiB\", \"32MiB\"]");
  const std::string pidfile = dir + "/pid";
  std::ofstream(dir + "/run.sh") << "echo $$ > '" << pidfile << "'\nexec '" << CHIMERA_BIN << "' sweep '" << file
                                 << "' -j 1\n";
  const std::string cmd = "cd '" CHIMERA_SOURCE_DIR "' && setsid sh '" + dir + "/run.sh' >/dev/null 2>&1 &";
  REQUIRE(std::system(cmd.c_str()) == 0);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  std::size_t rows_at_kill = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    rows_at_kill = lines_of(read_file(dir + "/out.csv")).size();
    if (rows_at_kill >= 2) break;  // header and at least one finished point
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  const int pid = std::stoi(read_file(pidfile));
  kill(-pid, SIGKILL);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const std::size_t killed_rows = lines_of(read_file(dir + "/out.csv")).size();
  CHECK(killed_rows >= 2);
  CHECK(killed_rows < 7);  // it was stopped before the end
  auto r = run_cli("sweep '" + file + "' -j 2");
  REQUIRE(r.exit_code == 0);
  auto rows = lines_of(read_file(dir + "/out.csv"));
  REQUIRE(rows.size() == 7);
  for (std::size_t i = 1; i < rows.size(); ++i) CHECK(split(rows[i])[0] == std::to_string(i - 1));
  // The same file as an uninterrupted run.
  std::filesystem::remove(dir + "/out.csv");
  REQUIRE(run_cli("sweep '" + file + "' -j 2").exit_code == 0);
  auto fresh = lines_of(read_file(dir + "/out.csv"));
  CHECK(fresh == rows);
  std::filesystem::remove_all(dir);
}

TEST_CASE("sweep: bad sweep files and options exit 2 naming file - line and key") {
  std::string dir = temp_dir();
  auto expect = [](const chimera::test::CliResult& r, std::initializer_list<const char*> parts) {
    CHECK(r.exit_code == 2);
    for (const char* p : parts) CHECK(contains(r.err, p));
  };
  std::string file = write_sweep(dir, "tests/data/star8-50GBps-1us.xml", kTwoGroups, "[\"1MiB\"]", "colour = \"red\"\n");
  expect(run_cli("sweep '" + file + "'"), {"sweep.toml:5", "colour"});
  file = write_sweep(dir, "tests/data/star8-50GBps-1us.xml", kTwoGroups, "[\"1 parsec\"]");
  expect(run_cli("sweep '" + file + "'"), {"sweep.toml", "bytes"});
  file = write_sweep(dir, "tests/data/star8-50GBps-1us.xml", "[[axes.case]]\nname = \"x\"\nranks = \"7-0\"\n", "[\"1MiB\"]");
  expect(run_cli("sweep '" + file + "'"), {"sweep.toml", "ranks"});
  file = write_sweep(dir, "tests/data/star8-50GBps-1us.xml", kTwoGroups, "[\"1MiB\"]");
  expect(run_cli("sweep '" + file + "' --shard 2/2"), {"--shard"});
  expect(run_cli("sweep '" + dir + "/missing.toml'"), {"missing.toml"});
  // A CSV with other columns is never appended to.
  std::ofstream(dir + "/out.csv") << "point,something,else\n";
  expect(run_cli("sweep '" + file + "'"), {"out.csv"});
  CHECK(read_file(dir + "/out.csv") == "point,something,else\n");
  std::filesystem::remove_all(dir);
}
