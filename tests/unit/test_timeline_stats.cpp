#include <doctest/doctest.h>

#include "actors/timeline_stats.hpp"

using namespace chimera;

TEST_CASE("interval unions and differences") {
  CHECK(union_length({{0, 1}, {0.5, 2}, {3, 4}}) == doctest::Approx(3.0));
  CHECK(union_length({}) == 0);
  // communication [0,4] with compute [1,2] and [3,5]: exposed = [0,1] + [2,3] = 2
  CHECK(difference_length({{0, 4}}, {{1, 2}, {3, 5}}) == doctest::Approx(2.0));
  CHECK(difference_length({{0, 1}}, {}) == doctest::Approx(1.0));
  CHECK(difference_length({{0, 1}}, {{-1, 2}}) == doctest::Approx(0.0));
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
  ar.group = make_group({0});
  p.add(ar);
  SimulationResult r;
  r.makespan_s = 10;
  // compute [0,3] and [5,6]; the collective [2,8] is hidden on [2,3] and [5,6]
  r.timings = {{{0, 3}, {5, 6}, {2, 8}}};
  auto s = rank_time_stats({p}, r);
  CHECK(s[0].compute_busy_s == doctest::Approx(4));
  CHECK(s[0].comm_busy_s == doctest::Approx(6));
  CHECK(s[0].exposed_comm_s == doctest::Approx(4));  // [3,5] + [6,8]
  CHECK(s[0].idle_s == doctest::Approx(2));
  CHECK(s[0].finish_s == doctest::Approx(8));
}
