// Pipeline schedules: the reference's Chimera test vector, bubble ratios against the closed
// forms of shared/reference/pipeline-schedules.md §3, activation peaks against §2.9, the slot
// rule against the explicit order, and option checks.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <vector>

#include "tests/approx.hpp"
#include "workloads/schedules/schedule.hpp"
#include "workloads/schedules/unit_executor.hpp"
#include "workloads/schedules/validate.hpp"

using namespace chimera;
using chimera::test::approx;

namespace {

ScheduleOptions opts(ScheduleKind k, int D, int N) {
  ScheduleOptions o;
  o.kind = k, o.stages = D, o.micro_batches = N;
  return o;
}

struct Run {
  PipelineSchedule s;
  ScheduleTimeline t;
};

Run run(const ScheduleOptions& o, double F, double B, double W = 0) {
  Run r{make_schedule(o), {}};
  UnitTimes u;
  u.forward = F, u.backward = B, u.weight = W;
  r.t = execute_unit_time(r.s, build_schedule_graph(r.s), u);
  return r;
}

std::vector<std::string> compute_labels(const PipelineSchedule& s, int w) {
  std::vector<std::string> out;
  for (const Action& a : s.actions[w])
    if (is_compute(a.type)) out.push_back(action_label(s, a));
  return out;
}

// Compute labels with their start times, "F0d0@0".
std::string starts(const Run& r, int w) {
  std::string out;
  for (std::size_t i = 0; i < r.s.actions[w].size(); ++i)
    if (is_compute(r.s.actions[w][i].type))
      out += fmt::format("{}{}@{:g}", out.empty() ? "" : " ", action_label(r.s, r.s.actions[w][i]), r.t.timings[w][i].start);
  return out;
}

// Compute and sync labels in order.
std::string order_with_syncs(const PipelineSchedule& s, int w) {
  std::string out;
  for (const Action& a : s.actions[w])
    if (is_compute(a.type) || a.type == ActionType::gradient_sync) out += (out.empty() ? "" : " ") + action_label(s, a);
  return out;
}

}  // namespace

TEST_CASE("chimera D=4 N=4: the reference's per-worker order and start times and 16 units") {
  // shared/reference/pipeline-schedules.md §2.5: T_F = 1, T_B = 2, free communication.
  Run r = run(opts(ScheduleKind::chimera, 4, 4), 1, 2);
  CHECK(compute_labels(r.s, 0) == std::vector<std::string>{"F0d0", "F1d0", "F2u3", "B2u3", "F3u3", "B3u3", "B0d0", "B1d0"});
  CHECK(compute_labels(r.s, 1) == std::vector<std::string>{"F0d1", "F2u2", "F1d1", "F3u2", "B2u2", "B0d1", "B3u2", "B1d1"});
  CHECK(compute_labels(r.s, 2) == std::vector<std::string>{"F2u1", "F0d2", "F3u1", "F1d2", "B0d2", "B2u1", "B1d2", "B3u1"});
  CHECK(compute_labels(r.s, 3) == std::vector<std::string>{"F2u0", "F3u0", "F0d3", "B0d3", "F1d3", "B1d3", "B2u0", "B3u0"});
  CHECK(starts(r, 0) == "F0d0@0 F1d0@1 F2u3@3 B2u3@4 F3u3@6 B3u3@7 B0d0@10 B1d0@14");
  CHECK(starts(r, 1) == "F0d1@1 F2u2@2 F1d1@3 F3u2@4 B2u2@6 B0d1@8 B3u2@10 B1d1@12");
  CHECK(starts(r, 2) == "F2u1@1 F0d2@2 F3u1@3 F1d2@4 B0d2@6 B2u1@8 B1d2@10 B3u1@12");
  CHECK(starts(r, 3) == "F2u0@0 F3u0@1 F0d3@3 B0d3@4 F1d3@6 B1d3@7 B2u0@10 B3u0@14");
  // Sync points (§2.5/§2.7): eager u3 / d3 on P0 / P3, the middle workers stage 2 then 1.
  CHECK(order_with_syncs(r.s, 0) == "F0d0 F1d0 F2u3 B2u3 F3u3 B3u3 sync s3 B0d0 B1d0 sync s0");
  CHECK(order_with_syncs(r.s, 1) == "F0d1 F2u2 F1d1 F3u2 B2u2 B0d1 B3u2 B1d1 sync s2 sync s1");
  CHECK(order_with_syncs(r.s, 2) == "F2u1 F0d2 F3u1 F1d2 B0d2 B2u1 B1d2 B3u1 sync s2 sync s1");
  CHECK(order_with_syncs(r.s, 3) == "F2u0 F3u0 F0d3 B0d3 F1d3 B1d3 sync s3 B2u0 B3u0 sync s0");
  CHECK(r.t.iteration_time == 16);
  for (int w = 0; w < 4; ++w) {
    CHECK(r.t.busy[w] == 12);                  // 2 F + 2 B per stage, two stages
    CHECK(r.t.bubble[w] == approx(4.0 / 16));
  }
  // §2.9: peak in-flight micro-batches P0..P3 = 3, 4, 4, 3.
  CHECK(r.t.peak_activations == std::vector<double>{3, 4, 4, 3});
  // §4: C_f = 4, C_b = 6 on the critical path (4*1 + 6*2 = 16).
  CHECK(r.t.critical.forwards == 4);
  CHECK(r.t.critical.backwards == 6);
  // Weights: every worker holds down stage w and up stage D-1-w.
  CHECK(r.s.stages_of(0) == std::vector<int>{0, 3});
  CHECK(r.s.stages_of(2) == std::vector<int>{1, 2});
}

TEST_CASE("gpipe and 1f1b at D=4 N=4 with T_F=1 and T_B=2 take (N+D-1)(T_F+T_B) = 21") {
  for (auto k : {ScheduleKind::gpipe, ScheduleKind::one_f_one_b}) {
    Run r = run(opts(k, 4, 4), 1, 2);
    CHECK(r.t.iteration_time == 21);
    CHECK(r.t.bubble_ratio == approx(3.0 / 7));  // (D-1)/(N+D-1), spot value 0.4286
  }
}

TEST_CASE("bubble ratios of gpipe and 1f1b equal (D-1)/(N+D-1) over a grid") {
  for (auto k : {ScheduleKind::gpipe, ScheduleKind::one_f_one_b})
    for (int D : {1, 2, 3, 4, 8, 16})
      for (int N : {1, 2, 4, 7, 16, 32})
        for (auto [F, B] : {std::pair{1.0, 1.0}, {1.0, 2.0}, {2.0, 3.0}}) {
          const char* kind = to_string(k);
          CAPTURE(kind); CAPTURE(D); CAPTURE(N); CAPTURE(F); CAPTURE(B);
          Run r = run(opts(k, D, N), F, B);
          CHECK(r.t.iteration_time == approx((N + D - 1) * (F + B)));
          CHECK(r.t.bubble_ratio == approx(double(D - 1) / (N + D - 1)));
        }
}

TEST_CASE("chimera bubble ratio equals (D-2)/(2N+D-2) with T_F = T_B") {
  // The formula is stated for T_F = T_B (§3). D - 2 idle slots per worker regardless of K.
  for (int D : {2, 4, 6, 8, 16, 32})
    for (int K : {1, 2, 3, 4}) {
      const int N = K * D;
      CAPTURE(D); CAPTURE(N);
      Run r = run(opts(ScheduleKind::chimera, D, N), 1, 1);
      CHECK(r.t.iteration_time == approx(2.0 * N + D - 2));
      CHECK(r.t.bubble_ratio == approx(double(D - 2) / (2 * N + D - 2)));
      ScheduleOptions o = opts(ScheduleKind::chimera, D, N);
      if (K % 2 == 0) {  // forward doubling removes the intermediate bubbles (paper, via §2.6b)
        o.extend = ChimeraExtend::doubling;
        for (double B : {1.0, 2.0}) {
          Run d = run(o, 1, B);
          CHECK(d.t.iteration_time == approx(N * (1 + B) + (D - 2) / 2.0 * (1 + B)));
        }
      }
    }
}

TEST_CASE("chimera with direct concatenation and T_B > T_F idles more as K grows (§2.6a)") {
  // With T_B = 2 T_F the repo's concatenation order adds intermediate bubbles: the ratio
  // exceeds the formula and does not fall as fast as the formula with K.
  double previous_excess = 0;
  for (int K : {1, 2, 4}) {
    Run r = run(opts(ScheduleKind::chimera, 8, 8 * K), 1, 2);
    double formula = double(8 - 2) / (2 * 8 * K + 8 - 2);
    CHECK(r.t.bubble_ratio > formula + 0.05);
    CHECK(r.t.bubble_ratio - formula > previous_excess);
    previous_excess = r.t.bubble_ratio - formula;
  }
}

TEST_CASE("chimera with f pipes per direction: D/f - 2 idle slots") {
  // Slot rule (§2.8): pipe micro-batch j of unit k at stage s has F in slot s + 2j + 2Dk and B
  // in slot 2D - 1 - s + 2j + 2Dk, j < D/(2f). The last slot is B of stage 0, j = D/(2f) - 1,
  // k = K - 1: 2D - 1 + D/f - 2 + 2D(K - 1), so the makespan is 2DK + D/f - 2 slots of which
  // every worker is busy 2DK (each of its 2f stages runs D/(2f) F and B per unit).
  for (int D : {4, 8, 16, 32})
    for (int f = 1; f <= D / 2; f *= 2)
      for (int K : {1, 2, 3}) {
        ScheduleOptions o = opts(ScheduleKind::chimera, D, K * D);
        o.pipes_per_direction = f;
        CAPTURE(D); CAPTURE(f); CAPTURE(K);
        Run r = run(o, 1, 1);
        CHECK(r.t.iteration_time == approx(2.0 * D * K + D / f - 2));
        for (int w = 0; w < D; ++w) CHECK(r.s.stages_of(w).size() == std::size_t(2 * f));
        // §2.9: peak between (D - D/(2f) + 1) Ma and D Ma.
        auto [lo, hi] = std::minmax_element(r.t.peak_activations.begin(), r.t.peak_activations.end());
        CHECK(*lo == D - D / (2 * f) + 1);
        CHECK(*hi == D);
      }
}

TEST_CASE("interleaved 1f1b: idle (D-1)(T_F+T_B)/v and bubble (D-1)/(vN+D-1)") {
  for (int D : {2, 4, 8})
    for (int v : {2, 3, 4})
      for (int N : {D, 2 * D, 4 * D})
        for (auto [F, B] : {std::pair{1.0, 1.0}, {1.0, 2.0}}) {
          ScheduleOptions o = opts(ScheduleKind::interleaved, D, N);
          o.chunks = v;
          CAPTURE(D); CAPTURE(v); CAPTURE(N); CAPTURE(F); CAPTURE(B);
          Run r = run(o, F, B);
          CHECK(r.t.iteration_time == approx(N * (F + B) + (D - 1) * (F + B) / v));
          CHECK(r.t.bubble_ratio == approx(double(D - 1) / (v * N + D - 1)));
          // §3: rank 0 holds (D + (D-1)/v) Ma at its peak (capped by N Ma).
          CHECK(r.t.peak_activations[0] == approx(std::min<double>(N, D + (D - 1.0) / v)));
        }
}

TEST_CASE("zb-h1: idle (D-1)(T_F+T_B-T_W) and 1F1B's peak memory") {
  // The formula assumes T_W <= T_F, T_B (the handcrafted schedule fills cool-down gaps of
  // size T_F + T_B with deferred W passes).
  for (int D : {2, 4, 8})
    for (int N : {D, 2 * D, 3 * D})
      for (auto [F, Bi, W] : {std::tuple{1.0, 1.0, 1.0}, {1.0, 2.0, 1.0}, {2.0, 1.0, 1.0}, {2.0, 2.0, 1.0}}) {
        CAPTURE(D); CAPTURE(N); CAPTURE(F); CAPTURE(Bi); CAPTURE(W);
        Run r = run(opts(ScheduleKind::zb_h1, D, N), F, Bi, W);
        CHECK(r.t.iteration_time == approx(N * (F + Bi + W) + (D - 1) * (F + Bi - W)));
        CHECK(*std::max_element(r.t.peak_activations.begin(), r.t.peak_activations.end()) == D);
      }
  // Spot value: T_F = T_B = T_W gives the rate (p-1)/(3m) relative to the ideal 3m units.
  Run r = run(opts(ScheduleKind::zb_h1, 4, 8), 1, 1, 1);
  CHECK((r.t.iteration_time - 24) / 24 == approx(3.0 / 24));
}

TEST_CASE("gems: one micro-batch per replica in flight and one micro-batch per D T_B + T_F") {
  // Worker order F(i) B(i), i even down, odd up: the first micro-batch takes D(T_F+T_B); each
  // later one starts behind the previous backward wave (closed form derived in gems.cpp).
  for (int D : {1, 2, 3, 4, 8})
    for (int N : {1, 2, 3, 4, 8, 9})
      for (auto [F, B] : {std::pair{1.0, 1.0}, {1.0, 2.0}, {2.0, 3.0}}) {
        CAPTURE(D); CAPTURE(N); CAPTURE(F); CAPTURE(B);
        Run r = run(opts(ScheduleKind::gems, D, N), F, B);
        const double T = N == 1 ? D * (F + B) : (D + 1) * F + 2 * D * B + (N - 2) * (D * B + F);
        CHECK(r.t.iteration_time == approx(T));
        CHECK(r.t.bubble_ratio == approx(1 - N * (F + B) / T));
        for (double p : r.t.peak_activations) CHECK(p == 1);  // Ma
      }
  // The steady state with T_B = 2T_F is the reference's (D-1)/(D+1/2): two long iterations differ
  // by D T_B + T_F per micro-batch, of which T_F + T_B busy.
  for (int D : {2, 4, 8}) {
    Run a = run(opts(ScheduleKind::gems, D, 40), 1, 2), b = run(opts(ScheduleKind::gems, D, 41), 1, 2);
    CHECK(1 - 3 / (b.t.iteration_time - a.t.iteration_time) == approx((D - 1) / (D + 0.5)));
  }
  // Two stages (down w and up D-1-w) per worker: 2 M_theta.
  PipelineSchedule g = make_schedule(opts(ScheduleKind::gems, 4, 4));
  CHECK(g.stages_of(0) == std::vector<int>{0, 3});
  CHECK(g.stages_of(2) == std::vector<int>{1, 2});
}

// PipeDream updates after every micro-batch: a gradient sync after each backward, with
// its micro-batch id; 2BW accumulates the period and syncs once per stage.
TEST_CASE("pipedream syncs after every backward and 2bw once per period") {
  const int D = 4, N = 6;
  PipelineSchedule p = make_schedule(opts(ScheduleKind::pipedream, D, N));
  PipelineSchedule b = make_schedule(opts(ScheduleKind::pipedream_2bw, D, N));
  CHECK_NOTHROW(validate_schedule(p));
  for (int w = 0; w < D; ++w) {
    CAPTURE(w);
    int syncs = 0, syncs_2bw = 0;
    const auto& list = p.actions[w];
    for (std::size_t i = 0; i < list.size(); ++i)
      if (list[i].type == ActionType::gradient_sync) {
        ++syncs;
        std::size_t k = i;  // the latest backward before it (its gradient send may sit between)
        while (k > 0 && list[k - 1].type != ActionType::backward) --k;
        REQUIRE(k > 0);
        CHECK(list[k - 1].micro_batch == list[i].micro_batch);
        CHECK(list[i].stage == w);
      }
    for (const Action& a : b.actions[w]) syncs_2bw += a.type == ActionType::gradient_sync;
    CHECK(syncs == N);
    CHECK(syncs_2bw == 1);
  }
}

TEST_CASE("pipedream and 2bw: one steady-state period idles only its first forward's fill") {
  // Worker w runs F(j) B(j-(D-1-w)): busy N(T_F+T_B), idle w T_F before and (D-1-w) T_F after.
  for (auto k : {ScheduleKind::pipedream, ScheduleKind::pipedream_2bw})
    for (int D : {1, 2, 3, 4, 8})
      for (int N : {D, D + 1, 2 * D, 4 * D + 3})
        for (auto [F, B] : {std::pair{1.0, 1.0}, {1.0, 2.0}, {2.0, 3.0}, {2.0, 1.0}}) {
          const char* kind = to_string(k);
          CAPTURE(kind); CAPTURE(D); CAPTURE(N); CAPTURE(F); CAPTURE(B);
          Run r = run(opts(k, D, N), F, B);
          CHECK(r.t.iteration_time == approx(N * (F + B) + (D - 1) * F));
          CHECK(r.t.bubble_ratio == approx((D - 1) * F / (N * (F + B) + (D - 1) * F)));
          // In flight as 1F1B: D - w micro-batches on worker w (the previous period's included).
          for (int w = 0; w < D; ++w) CHECK(r.t.peak_activations[w] == D - w);
        }
  // Weight versions: PipeDream stashes D - w, 2BW keeps two, the others one.
  PipelineSchedule p = make_schedule(opts(ScheduleKind::pipedream, 4, 8));
  PipelineSchedule b = make_schedule(opts(ScheduleKind::pipedream_2bw, 4, 8));
  PipelineSchedule f = make_schedule(opts(ScheduleKind::one_f_one_b, 4, 8));
  for (int w = 0; w < 4; ++w) {
    CHECK(weight_versions(p, w) == 4 - w);
    CHECK(weight_versions(b, w) == 2);
    CHECK(weight_versions(f, w) == 1);
  }
  // Every backward of every micro-batch once per stage, this period's or the previous one's.
  int carried = 0;
  for (const auto& l : p.actions)
    for (const Action& a : l) carried += a.type == ActionType::backward && a.micro_batch < 0;
  CHECK(carried == 3 + 2 + 1);
}

TEST_CASE("activation peaks: gpipe N and 1f1b D - r and chimera (D/2+1 .. D) and doubling (3D/2+1 .. 2D)") {
  Run g = run(opts(ScheduleKind::gpipe, 4, 6), 1, 2);
  for (double p : g.t.peak_activations) CHECK(p == 6);
  Run f = run(opts(ScheduleKind::one_f_one_b, 4, 8), 1, 2);
  CHECK(f.t.peak_activations == std::vector<double>{4, 3, 2, 1});
  for (int D : {4, 8, 16}) {
    for (int K : {1, 2, 4}) {  // direct concatenation: independent of K
      Run c = run(opts(ScheduleKind::chimera, D, K * D), 1, 2);
      auto [lo, hi] = std::minmax_element(c.t.peak_activations.begin(), c.t.peak_activations.end());
      CHECK(*lo == D / 2 + 1);
      CHECK(*hi == D);
    }
    ScheduleOptions o = opts(ScheduleKind::chimera, D, 2 * D);
    o.extend = ChimeraExtend::doubling;
    Run d = run(o, 1, 2);
    auto [lo, hi] = std::minmax_element(d.t.peak_activations.begin(), d.t.peak_activations.end());
    CHECK(*lo == 3 * D / 2 + 1);
    CHECK(*hi == 2 * D);
  }
}

TEST_CASE("chimera's explicit order (ref 2.2 and 2.6a) equals the slot rule (ref 2.3) for one pipe per direction") {
  for (int D : {2, 4, 6, 8, 10, 16, 32})
    for (int K : {1, 2, 3, 4}) {
      CAPTURE(D); CAPTURE(K);
      ScheduleOptions o = opts(ScheduleKind::chimera, D, K * D);
      PipelineSchedule a = make_schedule(o), b = make_chimera_by_slots(o);
      for (int w = 0; w < D; ++w) CHECK(compute_labels(a, w) == compute_labels(b, w));
    }
}

TEST_CASE("every generated schedule validates: acyclic and each receive with its send") {
  for (auto k : {ScheduleKind::gpipe, ScheduleKind::one_f_one_b, ScheduleKind::zb_h1, ScheduleKind::gems})
    for (int D : {1, 2, 5, 8})
      for (int N : {1, 3, 8, 17}) CHECK_NOTHROW(validate_schedule(make_schedule(opts(k, D, N))));
  for (auto k : {ScheduleKind::pipedream, ScheduleKind::pipedream_2bw})
    for (int D : {1, 2, 5, 8})
      for (int N : {D, D + 3, 17 + D}) CHECK_NOTHROW(validate_schedule(make_schedule(opts(k, D, N))));
  {
    // Steady state: a transfer only between actions of the same period. With D = 3, N = 5,
    // worker 1 runs B(-1) .. B(3) and worker 0 B(-2) .. B(2) (-k: micro-batch N-k of the
    // previous period): gradients travel for -1 .. 2 only; B(-2) on worker 0 got its gradient
    // in the previous period, and B(3)'s goes to the next.
    PipelineSchedule p = make_schedule(opts(ScheduleKind::pipedream, 3, 5));
    std::vector<int> sent, received;
    for (const Action& a : p.actions[1])
      if (a.type == ActionType::send_gradient) sent.push_back(a.micro_batch);
    for (const Action& a : p.actions[0])
      if (a.type == ActionType::recv_gradient) received.push_back(a.micro_batch);
    CHECK(sent == std::vector<int>{-1, 0, 1, 2});
    CHECK(received == sent);
  }
  for (int D : {1, 3, 4}) {
    ScheduleOptions o = opts(ScheduleKind::interleaved, D, 2 * D);
    o.chunks = 3;
    CHECK_NOTHROW(validate_schedule(make_schedule(o)));
  }
  Run r = run(opts(ScheduleKind::one_f_one_b, 3, 5), 1, 2);
  std::size_t sends = 0, recvs = 0;
  for (const auto& l : r.s.actions)
    for (const Action& a : l) {
      sends += a.type == ActionType::send_activation || a.type == ActionType::send_gradient;
      recvs += a.type == ActionType::recv_activation || a.type == ActionType::recv_gradient;
    }
  // Two stage boundaries, N micro-batches, one activation and one gradient each.
  CHECK(sends == 2 * 5 * 2);
  CHECK(recvs == sends);
}

TEST_CASE("schedule options are checked with the option named") {
  auto problem = [](ScheduleOptions o) {
    auto p = check_schedule_options(o);
    return p ? p->option : std::string();
  };
  CHECK(problem(opts(ScheduleKind::chimera, 3, 6)) == "stages");
  CHECK(problem(opts(ScheduleKind::chimera, 4, 6)) == "micro_batches");
  ScheduleOptions d = opts(ScheduleKind::chimera, 4, 4);
  d.extend = ChimeraExtend::doubling;
  CHECK(problem(d) == "micro_batches");  // doubling needs K even
  ScheduleOptions f = opts(ScheduleKind::chimera, 8, 8);
  f.pipes_per_direction = 3;
  CHECK(problem(f) == "pipes_per_direction");
  f.pipes_per_direction = 8;  // must divide D/2 = 4
  CHECK(problem(f) == "pipes_per_direction");
  ScheduleOptions i = opts(ScheduleKind::interleaved, 4, 6);
  i.chunks = 2;
  CHECK(problem(i) == "micro_batches");
  i.micro_batches = 8, i.chunks = 1;
  CHECK(problem(i) == "chunks");
  ScheduleOptions g = opts(ScheduleKind::gpipe, 4, 4);
  g.chunks = 2;
  CHECK(problem(g) == "chunks");
  CHECK(problem(opts(ScheduleKind::one_f_one_b, 4, 0)) == "micro_batches");
  CHECK_THROWS_AS(make_schedule(opts(ScheduleKind::chimera, 3, 3)), std::invalid_argument);
}
