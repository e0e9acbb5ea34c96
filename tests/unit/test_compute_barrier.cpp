// The compat engine's global compute barrier (collectives/comm_context.hpp, ComputeBarrier;
// `[engine] compute_barrier`), after the ISCA'25 runner (shared/reference/isca25-fusion.md §6):
// when a compute starts anywhere, every event not yet started anywhere waits until that compute
// ends plus one cycle (1 ns); transfers already issued keep flowing; computes ready at the same
// instant start together. Each case runs twice, free overlap and barrier, and both makespans are
// derived by hand. SimGrid allows one engine per process and ctest runs each test case in
// its own, so each (case, engine mode) is a test case of its own.
//
// Platform tests/data/star8-50GBps-1us.xml: every route has B = 50 GB/s and a = 1 us, so a
// transfer of S bytes takes a + S/B. One engine per test case (each is its own ctest process).
#include <doctest/doctest.h>

#include "actors/simulate.hpp"
#include "tests/approx.hpp"

using namespace chimera;
using chimera::test::approx;

namespace {

constexpr double a = 1e-6, B = 50e9, cycle = 1e-9;

struct Rank {
  Program p;
  OpIndex compute(double seconds, std::vector<OpIndex> deps = {}) {
    return p.add(compute_op(intern("work"), -1, -1, seconds, std::move(deps)));
  }
  OpIndex transfer(OpKind kind, int peer, double bytes, std::vector<OpIndex> deps = {}) {
    Op op;
    op.kind = kind;
    op.stream = kPipelineStream;
    op.peer = p.bind_peer(peer);
    op.bytes = bytes;
    op.deps = std::move(deps);
    return p.add(std::move(op));
  }
};

double makespan(std::vector<Rank> ranks, bool barrier) {
  std::vector<Program> programs;
  for (std::size_t r = 0; r < ranks.size(); ++r) {
    ranks[r].p.rank = static_cast<int>(r);
    programs.push_back(std::move(ranks[r].p));
  }
  SimulationOptions o;
  o.platform.xml_file = CHIMERA_SOURCE_DIR "/tests/data/star8-50GBps-1us.xml";
  o.platform.description = "star8";
  o.collectives.compute_barrier = barrier;
  return simulate(programs, o).makespan_s;
}

}  // namespace

// Rank 0 computes 10 us; rank 1 computes 1 us, then sends S = 1 MB (21 us) to rank 0.
// Free overlap: the send starts at 1 us, ends at 22 us. Barrier: both computes start at 0 (so
// the barrier lasts until 10 us + 1 cycle); the send, ready at 1 us, waits until then.
constexpr double kS = 1e6;
static std::vector<Rank> send_after_short_compute() {
  std::vector<Rank> r(2);
  r[0].compute(10e-6);
  r[0].transfer(OpKind::recv, 1, kS);
  OpIndex c = r[1].compute(1e-6);
  r[1].transfer(OpKind::send, 0, kS, {c});
  return r;
}
TEST_CASE("compute barrier off: a send ready during another rank's compute starts at once") {
  CHECK(makespan(send_after_short_compute(), false) == approx(1e-6 + a + kS / B).epsilon(1e-9));
}
TEST_CASE("compute barrier on: a send ready during another rank's compute waits for its end plus one cycle") {
  CHECK(makespan(send_after_short_compute(), true) == approx(10e-6 + cycle + a + kS / B).epsilon(1e-9));
}

// Rank 1 sends S = 1 MB at time 0 while rank 0 starts a 10 us compute at time 0: issued at the
// same instant, the transfer is not held back: a + S/B = 21 us either way.
static std::vector<Rank> send_with_compute() {
  std::vector<Rank> r(2);
  r[0].compute(10e-6);
  r[0].transfer(OpKind::recv, 1, kS);
  r[1].transfer(OpKind::send, 0, kS);
  return r;
}
TEST_CASE("compute barrier off: a transfer next to a compute") {
  CHECK(makespan(send_with_compute(), false) == approx(a + kS / B).epsilon(1e-9));
}
TEST_CASE("compute barrier on: a transfer issued when the compute starts keeps flowing") {
  CHECK(makespan(send_with_compute(), true) == approx(a + kS / B).epsilon(1e-9));
}

// Both ranks start 10 us computes at 0 (10 us either way); rank 1's second compute (5 us) is
// ready at 1 us: free, it ends at 6 us; under the barrier it waits for rank 0's compute:
// 10 us + 1 cycle + 5 us.
static std::vector<Rank> computes(bool second) {
  std::vector<Rank> r(2);
  r[0].compute(10e-6);
  if (!second) {
    r[1].compute(10e-6);
    return r;
  }
  OpIndex first = r[1].compute(1e-6);
  r[1].compute(5e-6, {first});
  return r;
}
TEST_CASE("compute barrier off: computes on two ranks overlap") {
  CHECK(makespan(computes(true), false) == approx(10e-6).epsilon(1e-9));
}
TEST_CASE("compute barrier on: computes ready at the same instant run together") {
  CHECK(makespan(computes(false), true) == approx(10e-6).epsilon(1e-9));
}
TEST_CASE("compute barrier on: a compute ready later waits for the running one") {
  CHECK(makespan(computes(true), true) == approx(15e-6 + cycle).epsilon(1e-9));
}

// A ring all-reduce of M = 2 MB over ranks 0 and 1 (two rounds of M/2, 21 us each) issued at
// time 0 next to a 30 us compute on rank 0. Free: max(30, 42) = 42 us. Barrier: round 1 flows
// from 0 to 21 us; round 2, ready at 21 us, waits until 30 us + 1 cycle: 51 us + 1 cycle.
constexpr double kM = 2e6, kRound = a + kM / 2 / B;
static std::vector<Rank> allreduce_next_to_compute() {
  std::vector<Rank> r(2);
  r[0].compute(30e-6);
  GroupPtr g = make_group({0, 1});
  for (Rank& x : r) {
    Op op = collective_op(intern("ar"), CollectiveKind::all_reduce, x.p.bind(g), kM, kCollectiveStream, -1, -1, {});
    op.algorithm = CollectiveAlgorithm::ring;
    x.p.add(std::move(op));
  }
  return r;
}
TEST_CASE("compute barrier off: an all-reduce overlaps a compute") {
  CHECK(makespan(allreduce_next_to_compute(), false) == approx(2 * kRound).epsilon(1e-9));
}
TEST_CASE("compute barrier on: every round of a collective waits its turn") {
  CHECK(makespan(allreduce_next_to_compute(), true) == approx(30e-6 + cycle + kRound).epsilon(1e-9));
}
