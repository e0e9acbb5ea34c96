// Corrupted schedules are reported (with the cycle, the unmatched receive, the out-of-order
// channel, the missing pass) instead of being simulated into a hang.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "workloads/schedules/schedule.hpp"
#include "workloads/schedules/validate.hpp"

using namespace chimera;

namespace {

PipelineSchedule one_f_one_b(int D, int N) {
  ScheduleOptions o;
  o.kind = ScheduleKind::one_f_one_b, o.stages = D, o.micro_batches = N;
  return make_schedule(o);
}

std::size_t position(const PipelineSchedule& s, int w, const std::string& label) {
  const auto& l = s.actions[w];
  for (std::size_t i = 0; i < l.size(); ++i)
    if (action_label(s, l[i]) == label) return i;
  FAIL("no action ", label, " on worker ", w);
  return 0;
}

std::string error_of(const PipelineSchedule& s) {
  try {
    validate_schedule(s);
  } catch (const InvalidSchedule& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("a schedule whose workers wait for each other is reported with the cycle") {
  // 1F1B, D = 2, N = 2. P0: F0 send F1 send recv(B0) B0 recv(B1) B1 sync. Move P0's B0 (with
  // its receive) before F1: P0 now waits for B0's gradient before sending F1. Make P1 run both
  // forwards before its first backward: it waits for F1 before sending B0's gradient. Cycle.
  PipelineSchedule s = one_f_one_b(2, 2);
  auto& p0 = s.actions[0];
  std::size_t f1 = position(s, 0, "F1"), rb0 = position(s, 0, "recv B0<-P1");
  std::rotate(p0.begin() + f1, p0.begin() + rb0, p0.begin() + rb0 + 2);  // [recv B0, B0] before [F1, send F1]
  auto& p1 = s.actions[1];
  std::size_t b0 = position(s, 1, "B0"), rf1 = position(s, 1, "recv F0<-P0");
  (void)rf1;
  std::size_t recv_f1 = position(s, 1, "recv F1<-P0");
  std::rotate(p1.begin() + b0, p1.begin() + recv_f1, p1.begin() + recv_f1 + 2);  // [recv F1, F1] before B0
  std::string e = error_of(s);
  CHECK(contains(e, "dependency cycle"));
  CHECK(contains(e, "P0 recv B0<-P1"));
  CHECK(contains(e, "P1 send B0->P0"));
  CHECK(contains(e, "P1 recv F1<-P0"));
  CHECK(contains(e, "P0 send F1->P1"));
}

TEST_CASE("a backward placed before its own forward is a cycle on one worker") {
  PipelineSchedule s = one_f_one_b(2, 2);
  auto& p1 = s.actions[1];
  std::size_t f0 = position(s, 1, "F0"), b0 = position(s, 1, "B0");
  std::swap(p1[f0], p1[b0]);
  std::string e = error_of(s);
  CHECK(contains(e, "dependency cycle"));
  CHECK(contains(e, "P1 B0"));
  CHECK(contains(e, "P1 F0"));
}

TEST_CASE("a receive without its send is reported") {
  PipelineSchedule s = one_f_one_b(3, 2);
  auto& p0 = s.actions[0];
  p0.erase(p0.begin() + position(s, 0, "send F1->P1"));
  std::string e = error_of(s);
  CHECK(contains(e, "P1 recv F1<-P0 has no matching send"));
}

TEST_CASE("sends of one channel out of micro-batch order are reported") {
  // GPipe P0: F0 send F1 send ... Swap the two sends: the receiver would match F1's data to F0.
  ScheduleOptions o;
  o.kind = ScheduleKind::gpipe, o.stages = 2, o.micro_batches = 2;
  PipelineSchedule s = make_schedule(o);
  auto& p0 = s.actions[0];
  std::size_t a = position(s, 0, "send F0->P1"), b = position(s, 0, "send F1->P1");
  std::swap(p0[a], p0[b]);
  std::string e = error_of(s);
  CHECK(contains(e, "out of order"));
}

TEST_CASE("a missing pass and a duplicated pass and a misplaced stage are reported") {
  {
    PipelineSchedule s = one_f_one_b(2, 3);
    auto& p1 = s.actions[1];
    p1.erase(p1.begin() + position(s, 1, "B2"));
    CHECK(contains(error_of(s), "B2"));
  }
  {
    PipelineSchedule s = one_f_one_b(2, 3);
    s.actions[0].push_back(s.actions[0][position(s, 0, "F0")]);
    CHECK(contains(error_of(s), "F0 appears twice"));
  }
  {
    PipelineSchedule s = one_f_one_b(2, 1);
    s.actions[0][position(s, 0, "F0")].stage = 1;  // stage 1 lives on P1
    CHECK(contains(error_of(s), "runs on P0, but its pipe places stage 1 on P1"));
  }
  {
    PipelineSchedule s = one_f_one_b(2, 1);
    auto& p0 = s.actions[0];
    p0.erase(p0.begin() + position(s, 0, "sync s0"));
    CHECK(contains(error_of(s), "P0 never syncs the gradients of its stage 0"));
  }
}

TEST_CASE("a corrupted chimera schedule names its cycle") {
  ScheduleOptions o;
  o.kind = ScheduleKind::chimera, o.stages = 4, o.micro_batches = 4;
  PipelineSchedule s = make_schedule(o);
  // P3 runs B0d3 before F0d3: impossible on one worker.
  auto& p3 = s.actions[3];
  std::size_t f = position(s, 3, "F0d3"), b = position(s, 3, "B0d3");
  std::swap(p3[f], p3[b]);
  std::string e = error_of(s);
  CHECK(contains(e, "dependency cycle"));
  CHECK(contains(e, "B0d3"));
}
