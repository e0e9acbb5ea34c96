#include "workloads/schedules/formulas.hpp"

#include <cmath>

namespace chimera {

std::optional<BubbleFormula> bubble_formula(const ScheduleOptions& o, const UnitTimes& t) {
  const double D = o.stages, N = o.micro_batches, v = o.chunks, f = o.pipes_per_direction;
  const double F = t.forward, B = t.backward, W = t.weight;
  auto near = [](double a, double b) { return std::abs(a - b) <= 1e-12 * std::max(std::abs(a), std::abs(b)); };
  BubbleFormula r;
  switch (o.kind) {
    case ScheduleKind::gpipe:
    case ScheduleKind::one_f_one_b:
      r.value = (D - 1) / (N + D - 1);
      r.expression = "(D-1)/(N+D-1)";
      return r;
    case ScheduleKind::interleaved:
      r.value = (D - 1) / (v * N + D - 1);
      r.expression = "(D-1)/(vN+D-1)";
      r.condition = "N divisible by D (Megatron's group size D)";
      return r;
    case ScheduleKind::zb_h1: {
      const double idle = (D - 1) * (F + B - W);
      r.value = idle / (N * (F + B + W) + idle);
      r.expression = "(D-1)(T_F+T_B-T_W) / (N(T_F+T_B+T_W) + (D-1)(T_F+T_B-T_W))";
      r.condition = "T_W <= T_F and T_W <= T_B";
      r.applies = W <= F && W <= B;
      return r;
    }
    case ScheduleKind::gems: {
      // Derived from the generated order (gems.cpp); its steady state gives the reference's
      // (D-1)/(D+1/2) when T_B = 2T_F.
      const double T = N < 2 ? D * (F + B) : (D + 1) * F + 2 * D * B + (N - 2) * (D * B + F);
      r.value = 1 - N * (F + B) / T;
      r.expression = "1 - N(T_F+T_B)/((D+1)T_F + 2D T_B + (N-2)(D T_B + T_F)); steady state (D-1)T_B/(D T_B+T_F)";
      r.condition = "T_F <= T_B, N >= 2";
      r.applies = F <= B && N >= 2;
      return r;
    }
    case ScheduleKind::pipedream:
    case ScheduleKind::pipedream_2bw:
      // One steady-state period cut at its first forward (pipedream.cpp): only that forward's
      // fill, (D-1)T_F, is idle; the reference's "about 0" in a long run.
      r.value = (D - 1) * F / (N * (F + B) + (D - 1) * F);
      r.expression = "(D-1)T_F/(N(T_F+T_B)+(D-1)T_F)";
      return r;
    case ScheduleKind::chimera:
      if (f > 1) {
        // Derived from the slot rule: D/f - 2 idle slots per worker (README, tests).
        r.value = (D / f - 2) / (2 * N + D / f - 2);
        r.expression = "(D/f-2)/(2N+D/f-2)";
      } else {
        r.value = (D - 2) / (2 * N + D - 2);
        r.expression = "(D-2)/(2N+D-2)";
      }
      if (o.extend == ChimeraExtend::concat || f > 1) {
        r.condition = "T_F = T_B";
        r.applies = near(F, B);
      }
      return r;
  }
  return std::nullopt;
}

}  // namespace chimera
