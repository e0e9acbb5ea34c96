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
