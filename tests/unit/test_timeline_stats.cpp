#include <doctest/doctest.h>

#include "actors/timeline_stats.hpp"
#include "tests/approx.hpp"

using namespace chimera;
using chimera::test::approx;

TEST_CASE("interval unions and differences") {
  CHECK(union_length({{0, 1}, {0.5, 2}, {3, 4}}) == approx(3.0));
  CHECK(union_length({}) == 0);
  // communication [0,4] with compute [1,2] and [3,5]: exposed = [0,1] + [2,3] = 2
  CHECK(difference_length({{0, 4}}, {{1, 2}, {3, 5}}) == approx(2.0));
  CHECK(difference_length({{0, 1}}, {}) == approx(1.0));
  CHECK(difference_length({{0, 1}}, {{-1, 2}}) == approx(0.0));
}

TEST_CASE("per-rank compute busy, exposed communication and idle") {
  Program p;
  p.rank = 0;
  Op c;
  c.kind = OpKind::compute;
  p.add(c);
  p.add(c);
  Op ar;
  ar.kind = OpKind::collective;
  ar.stream = kCollectiveStream;
  ar.group = p.bind(make_group({0}));
  p.add(ar);
  SimulationResult r;
  r.makespan_s = 10;
  // compute [0,3] and [5,6]; the collective [2,8] is hidden on [2,3] and [5,6]
  r.timings = {{{0, 3}, {5, 6}, {2, 8}}};
  auto s = rank_time_stats({p}, r);
  CHECK(s[0].compute_busy_s == approx(4));
  CHECK(s[0].comm_busy_s == approx(6));
  CHECK(s[0].exposed_comm_s == approx(4));  // [3,5] + [6,8]
  CHECK(s[0].idle_s == approx(2));
  CHECK(s[0].finish_s == approx(8));
}

// Rank 0 computes on [0,4] and then sends on [4,6]; rank 1 posted its receive at 0. Until the
// send starts rank 1 only waits for its peer (4 s of its 6 s of exposed communication).
TEST_CASE("exposed communication split: waiting for the peer's send versus data moving") {
  Program sender, receiver;
  sender.rank = 0, receiver.rank = 1;
  Op c;
  c.kind = OpKind::compute;
  sender.add(c);
  Op send;
  send.kind = OpKind::send, send.peer = sender.bind_peer(1), send.channel = 16;
  sender.add(send);
  Op other_channel = send;  // a second send on another channel does not match the receive
  other_channel.channel = 17;
  sender.add(other_channel);
  Op recv;
  recv.kind = OpKind::recv, recv.peer = receiver.bind_peer(0), recv.channel = 16;
  receiver.add(recv);
  SimulationResult r;
  r.makespan_s = 6;
  r.timings = {{{0, 4}, {4, 6}, {1, 2}}, {{0, 6}}};
  auto s = rank_time_stats({sender, receiver}, r);
  CHECK(s[1].exposed_comm_s == approx(6));
  CHECK(s[1].peer_wait_s == approx(4));
  CHECK(s[0].peer_wait_s == approx(0));  // a send moves data once it starts
  CHECK(s[0].exposed_comm_s == approx(2));
}

// Two ranks all-reduce twice. Rank 0 enters the first at 1 s, rank 1 computes until 3 s and
// enters then: rank 0 waits 2 s of the first all-reduce's 3 s, rank 1 none. Both enter the
// second at 5 s: no waiting.
TEST_CASE("exposed communication split: waiting in a collective for its last participant") {
  std::vector<Program> p(2);
  for (int rank = 0; rank < 2; ++rank) p[rank].rank = rank;
  auto pair = make_group({0, 1});
  Op ar;
  ar.kind = OpKind::collective, ar.stream = kCollectiveStream;
  Op c;
  c.kind = OpKind::compute;
  for (int rank = 0; rank < 2; ++rank) {
    ar.group = p[rank].bind(pair);
    if (rank == 1) p[rank].add(c);
    p[rank].add(ar);
    p[rank].add(ar);
  }
  SimulationResult r;
  r.makespan_s = 7;
  r.timings = {{{1, 4}, {5, 7}}, {{0, 3}, {3, 4}, {5, 7}}};
  auto s = rank_time_stats(p, r);
  CHECK(s[0].exposed_comm_s == approx(5));
  CHECK(s[0].peer_wait_s == approx(2));
  CHECK(s[1].peer_wait_s == approx(0));
}
