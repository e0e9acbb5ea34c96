// Issue 4: every algorithm's time on an uncongested platform equals its alpha-beta closed form
// (within 0.5%), bytes sent per rank equal the volume formulas, step-level and aggregated
// agree, and the documented behaviours for bad groups.
//
// Platform tests/data/star*-50GBps-1us.xml: every GPU has its own split-duplex port of
// 50 GB/s and 0.5 us per direction, so a route has bandwidth B = 50e9 B/s and latency a = 1 us,
// and flows contend only when they share a sender's or receiver's port.
#include <doctest/doctest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "tests/approx.hpp"
#include "tests/e2e/cli_runner.hpp"

using chimera::test::run_cli;
using chimera::test::approx;

namespace {

constexpr double B = 50e9, a = 1e-6;
const char* kStar8 = "tests/data/star8-50GBps-1us.xml";

nlohmann::json collective(const std::string& args) {
  auto r = run_cli("collective --json " + args);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  return nlohmann::json::parse(r.out);
}

double time_of(const std::string& args) { return collective(args)["rows"][0]["time_s"].get<double>(); }

struct Case {
  const char* args;  // --op, --algo, --ranks, extra flags
  double M;          // size argument
  double expected;   // closed form, derived in the comment of each case
};

}  // namespace

TEST_CASE("each algorithm matches its alpha-beta closed form on an uncongested star") {
  const double M = 64.0 * 1024 * 1024;
  const int n = 8, k = 3;  // log2(8)
  const Case cases[] = {
      // all-reduce: ring 2(n-1) rounds of M/n
      {"--op allreduce --algo ring --ranks 0-7", M, 2 * (n - 1) * (a + M / n / B)},
      // bidirectional ring on a star: both halves leave through the same port, same as ring
      {"--op allreduce --algo ring-bidir --ranks 0-7", M, 2 * (n - 1) * (a + M / n / B)},
      // Rabenseifner: k rounds of halving, k of doubling, M(n-1)/n each way
      {"--op allreduce --algo halving-doubling --ranks 0-7", M, 2 * k * a + 2 * M * (n - 1) / n / B},
      // the research's serial halving (two directions one after the other) + concurrent doubling
      {"--op allreduce --algo halving-doubling-serial --ranks 0-7", M, 3 * k * a + 3 * M * (n - 1) / n / B},
      // direct: all pairs at once, twice; n-1 flows share each sender's port
      {"--op allreduce --algo direct --ranks 0-7", M, 2 * a + 2 * M * (n - 1) / n / B},
      // double binary tree, one chunk: n = 2 is an exchange up and one down
      {"--op allreduce --algo double-binary-tree --tree-chunks 1 --ranks 0-1", M, 2 * a + M / B},
      // n = 4 (derivation in collectives/double_binary_tree.hpp)
      {"--op allreduce --algo double-binary-tree --tree-chunks 1 --ranks 0-3", M, 4 * a + 2.5 * M / B},
      {"--op reducescatter --algo ring --ranks 0-7", M, (n - 1) * (a + M / n / B)},
      {"--op reducescatter --algo halving-doubling --ranks 0-7", M, k * a + M * (n - 1) / n / B},
      {"--op reducescatter --algo direct --ranks 0-7", M, a + M * (n - 1) / n / B},
      {"--op allgather --algo ring --ranks 0-7", M, (n - 1) * (a + M / n / B)},
      {"--op allgather --algo halving-doubling --ranks 0-7", M, k * a + M * (n - 1) / n / B},
      {"--op allgather --algo direct --ranks 0-7", M, a + M * (n - 1) / n / B},
      // all-to-all of a per-rank buffer D = M: shifts, direct, Bruck (k rounds of D/2)
      {"--op alltoall --algo ring --ranks 0-7", M, (n - 1) * (a + M / n / B)},
      {"--op alltoall --algo direct --ranks 0-7", M, a + M * (n - 1) / n / B},
      {"--op alltoall --algo halving-doubling --ranks 0-7", M, k * (a + M / 2 / B)},
      // broadcast / reduce: direct through the root's port; binomial k rounds of M; chain
      // pipelined in n chunks: (n - 1) + (n - 1) chunk steps
      {"--op broadcast --algo direct --ranks 0-7", M, a + (n - 1) * M / B},
      {"--op broadcast --algo binomial-tree --ranks 0-7", M, k * (a + M / B)},
      {"--op broadcast --algo ring --ranks 0-7", M, 2 * (n - 1) * (a + M / n / B)},
      {"--op reduce --algo direct --ranks 0-7", M, a + (n - 1) * M / B},
      {"--op reduce --algo binomial-tree --ranks 0-7", M, k * (a + M / B)},
      // reduce: the same chain towards position 0, C = n chunks: (n-2+C)(a + M/(CB))
      {"--op reduce --algo ring --ranks 0-7", M, 2 * (n - 1) * (a + M / n / B)},
      // the research's serial reduce-scatter: round i, lower sends M 2^i/n then higher sends back
      {"--op reducescatter --algo halving-doubling-serial --ranks 0-7", M, 2 * k * a + 2 * M * (n - 1) / n / B},
      // multicast: four disjoint pairs of M
      {"--op multicast --ranks 0-3 --targets 4-7", M, a + M / B},
      // m2ms of M in total: each source sends four pieces of M/16 at once through its port
      {"--op m2ms --algo direct --ranks 0-3 --targets 4-7", M, a + M / 4 / B},
      // ... or in four rotated rounds of one piece each
      {"--op m2ms --algo ring --ranks 0-3 --targets 4-7", M, 4 * (a + M / 16 / B)},
      // ... or in four unrotated rounds: round j is a 4-way incast of M/4 into target j
      {"--op m2ms --algo ring --unrotated --ranks 0-3 --targets 4-7", M, 4 * a + M / B},
      // dimension-ordered rings on a 4x2 group: x-ring of 4 (3 rounds of M/4), y-ring of 2 (M/8)
      {"--op reducescatter --algo hierarchical-ring --shape 4x2 --ranks 0-7", M,
       3 * (a + M / 4 / B) + (a + M / 8 / B)},
      // all-gather on 4x2: x-ring 3 rounds of M/8, then y-ring 1 round of M/2
      {"--op allgather --algo hierarchical-ring --shape 4x2 --ranks 0-7", M, 3 * (a + M / 8 / B) + (a + M / 2 / B)},
      // all-reduce on 4x2 = the reduce-scatter then the all-gather above
      {"--op allreduce --algo hierarchical-ring --shape 4x2 --ranks 0-7", M,
       3 * (a + M / 4 / B) + (a + M / 8 / B) + 3 * (a + M / 8 / B) + (a + M / 2 / B)},
      // all-to-all on 4x2: 3 shifts of D/4 along x, 1 of D/2 along y
      {"--op alltoall --algo hierarchical-ring --shape 4x2 --ranks 0-7", M, 3 * (a + M / 4 / B) + (a + M / 2 / B)},
  };
  for (const Case& c : cases) {
    CAPTURE(c.args);
    double got = time_of(std::string(c.args) + " --platform " + kStar8 + " --sizes 64MiB");
    CHECK(got == approx(c.expected).epsilon(0.005));
  }
}

TEST_CASE("hierarchical collectives on two nodes match the sum of their three rings") {
  // tests/data/two-nodes-4gpu.xml: L = 4 GPUs on each of N = 2 nodes; inside a node
  // B_in = 50 GB/s, a_in = 1 us; across, each GPU through its own NIC, B_x = 25 GB/s, a_x = 2 us.
  // All-reduce: ring reduce-scatter inside (L-1 rounds of M/L), ring all-reduce across of M/L
  // (2(N-1) rounds of M/(LN)), ring all-gather inside (L-1 rounds of M/L).
  const double M = 64.0 * 1024 * 1024, Bin = 50e9, ain = 1e-6, Bx = 25e9, ax = 2e-6;
  const int L = 4, N = 2;
  const double inside = (L - 1) * (ain + M / L / Bin), across = (N - 1) * (ax + M / L / N / Bx);
  const char* two_nodes = " --platform tests/data/two-nodes-4gpu.xml --sizes 64MiB";
  CHECK(time_of(std::string("--op allreduce --algo hierarchical --ranks 0-7") + two_nodes) ==
        approx(2 * inside + 2 * across).epsilon(0.005));
  // reduce-scatter: inside then across; all-gather: across then inside
  CHECK(time_of(std::string("--op reducescatter --algo hierarchical --ranks 0-7") + two_nodes) ==
        approx(inside + across).epsilon(0.005));
  CHECK(time_of(std::string("--op allgather --algo hierarchical --ranks 0-7") + two_nodes) ==
        approx(inside + across).epsilon(0.005));
  // `auto` picks hierarchical for a group spread evenly over nodes (collectives/README.md)
  CHECK(time_of(std::string("--op allreduce --algo auto --ranks 0-7") + two_nodes) ==
        approx(2 * inside + 2 * across).epsilon(0.005));
  // each member sends (L-1) M/L inside twice and M/(LN) across twice
  auto row = collective(std::string("--op allreduce --algo hierarchical --ranks 0-7") + two_nodes)["rows"][0];
  for (double b : row["bytes_sent_by_rank"].get<std::vector<double>>())
    CHECK(b == approx(2 * (L - 1) * M / L + 2 * (N - 1) * M / L / N));
}

TEST_CASE("ring-bidir on the research's 4x4 torus is no faster than ring: both halves share the injection port") {
  // platforms/isca25/torus2d-4x4.xml: a node injects and ejects through one 50 GB/s channel of
  // 1 ns and reaches a neighbour over one 100 ns channel, so ranks 0-3 (a row, closed by the
  // wrap-around) form a ring with a = 102 ns, B = 50 GB/s: 2(n-1)(a + M/(nB)) either way.
  const double M = 64.0 * 1024 * 1024, torus_a = 102e-9;
  for (const char* algo : {"ring", "ring-bidir"}) {
    CAPTURE(algo);
    CHECK(time_of(std::string("--op allreduce --algo ") + algo +
                  " --ranks 0-3 --sizes 64MiB --platform platforms/isca25/torus2d-4x4.xml") ==
          approx(6 * (torus_a + M / 4 / B)).epsilon(0.005));
  }
}

TEST_CASE("auto picks the platform's algorithm: halving-doubling on the DGX-2-like switch, hierarchical ring on the torus") {
  // collectives/README.md: `auto` takes the root zone's collective_algorithm where it fits.
  // dgx2-2x8-concurrent, ranks 0-7 on switch 0 (a = 200 ns, 50 GB/s), 4 KiB: halving-doubling
  // 2 log2(8) a + 2M(7/8)/B = 1.343 us, where a ring would take 14(a + M/(8B)) = 2.943 us.
  const double M = 4096, dgx_a = 200e-9;
  CHECK(time_of("--op allreduce --algo auto --ranks 0-7 --sizes 4KiB --platform platforms/isca25/dgx2-2x8-concurrent.xml") ==
        approx(6 * dgx_a + 2 * M * 7 / 8 / B).epsilon(0.005));
  // dgx2-2x8 (the research's): serial halving-doubling, 3 log2(8) a + 3M(7/8)/B.
  CHECK(time_of("--op allreduce --algo auto --ranks 0-7 --sizes 4KiB --platform platforms/isca25/dgx2-2x8.xml") ==
        approx(9 * dgx_a + 3 * M * 7 / 8 / B).epsilon(0.005));
  // torus2d-4x4, the 2 x 2 block 0, 1, 4, 5 (neighbours one 100 ns channel plus 2 x 1 ns
  // injection apart), 4 KiB: rings along x, then y, reduce-scatter then all-gather, 4 rounds of
  // M/2, M/4, M/4, M/2: 4a + 1.5M/B = 0.531 us; a ring 0-1-4-5 would take 6 rounds, two of
  // its four hops two channels long.
  const double torus_a = 102e-9;
  CHECK(time_of("--op allreduce --algo auto --ranks 0,1,4,5 --shape 2x2 --sizes 4KiB "
                "--platform platforms/isca25/torus2d-4x4.xml") == approx(4 * torus_a + 1.5 * M / B).epsilon(0.005));
}

TEST_CASE("bytes sent per rank equal the volume formulas") {
  const double M = 8.0 * 1024 * 1024;
  auto bytes = [&](const std::string& args) {
    return collective(args + " --platform " + kStar8 + " --sizes 8MiB")["rows"][0]["bytes_sent_by_rank"].get<std::vector<double>>();
  };
  for (double b : bytes("--op allreduce --algo ring --ranks 0-7")) CHECK(b == approx(2 * M * 7 / 8));
  for (double b : bytes("--op allreduce --algo halving-doubling --ranks 0-7")) CHECK(b == approx(2 * M * 7 / 8));
  for (double b : bytes("--op reducescatter --algo direct --ranks 0-7")) CHECK(b == approx(M * 7 / 8));
  for (double b : bytes("--op alltoall --algo halving-doubling --ranks 0-3")) CHECK(b == approx(M / 2 * 2));
  auto m2ms = bytes("--op m2ms --ranks 0-3 --targets 4-7");
  for (int r = 0; r < 4; ++r) CHECK(m2ms[r] == approx(M / 4));  // M/S per source
  for (int r = 4; r < 8; ++r) CHECK(m2ms[r] == 0);
}

TEST_CASE("a group whose first rank is not 0 sends only inside itself") {
  const double M = 8.0 * 1024 * 1024;
  for (const char* algo : {"ring", "halving-doubling", "direct", "hierarchical-ring"}) {
    CAPTURE(algo);
    auto row = collective(std::string("--op allgather --algo ") + algo + " --ranks 4-7 --shape 2x2 --platform " + kStar8 +
                          " --sizes 8MiB")["rows"][0];
    auto b = row["bytes_sent_by_rank"].get<std::vector<double>>();
    for (int r = 0; r < 4; ++r) CHECK(b[r] == 0);
    for (int r = 4; r < 8; ++r) CHECK(b[r] == approx(M * 3 / 4));
  }
}

TEST_CASE("halving-doubling on a non-power-of-two group is a clear error") {
  auto r = run_cli(std::string("collective --op allreduce --algo halving-doubling --ranks 0-5 --platform ") + kStar8);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("needs a power-of-two group (got 6 members)") != std::string::npos);
  // all-to-all (Bruck) works for any n: ceil(log2 6) = 3 rounds of D/2
  const double D = 1 << 20;
  CHECK(time_of(std::string("--op alltoall --algo halving-doubling --ranks 0-5 --sizes 1MiB --platform ") + kStar8) ==
        approx(3 * (a + D / 2 / B)).epsilon(0.005));
  auto bad = run_cli(std::string("collective --op broadcast --algo halving-doubling --platform ") + kStar8);
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("--algo") != std::string::npos);
}

TEST_CASE("local reduction cost adds bytes x seconds-per-byte after each receive") {
  const double M = 8.0 * 1024 * 1024, r = 1e-12;
  // ring reduce-scatter: 7 rounds, each reduces M/8 before forwarding
  double t = time_of(std::string("--op reducescatter --algo ring --ranks 0-7 --sizes 8MiB --reduction-cost 1e-12 --platform ") + kStar8);
  CHECK(t == approx(7 * (a + M / 8 / B + M / 8 * r)).epsilon(0.005));
}

TEST_CASE("a 64-rank all-to-all and a 512-rank ring all-reduce complete, step-level and aggregated agree") {
  auto both = [&](const std::string& args) {
    double step = time_of(args + " --granularity step");
    double agg = time_of(args + " --granularity aggregated");
    CHECK(agg == approx(step).epsilon(0.02));
    return step;
  };
  const double D = 16.0 * 1024 * 1024;
  // direct all-to-all: 63 flows share each port
  CHECK(both("--op alltoall --algo direct --ranks 0-63 --sizes 16MiB --platform tests/data/star64-50GBps-1us.xml") ==
        approx(a + D * 63 / 64 / B).epsilon(0.005));
  const double M = 64.0 * 1024 * 1024;
  CHECK(both("--op allreduce --algo ring --ranks 0-511 --sizes 64MiB --platform tests/data/star512-50GBps-1us.xml") ==
        approx(2 * 511 * (a + M / 512 / B)).epsilon(0.005));
  both(std::string("--op allreduce --algo hierarchical-ring --shape 4x2 --ranks 0-7 --sizes 64MiB --platform ") + kStar8);
  both(std::string("--op alltoall --algo ring --ranks 0-7 --sizes 64MiB --platform ") + kStar8);
}
