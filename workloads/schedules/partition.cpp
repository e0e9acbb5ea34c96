#include "workloads/schedules/partition.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace chimera {

namespace {

struct Cost {
  double bottleneck = std::numeric_limits<double>::infinity();
  double squares = std::numeric_limits<double>::infinity();
  bool better_than(const Cost& o) const {
    if (std::isinf(o.bottleneck)) return !std::isinf(bottleneck);
    // Relative tolerance: sums of the same costs in another order must compare equal.
    const double eps = 1e-12 * std::max(1.0, std::abs(o.bottleneck));
    if (bottleneck < o.bottleneck - eps) return true;
    if (bottleneck > o.bottleneck + eps) return false;
    return squares < o.squares - 1e-12 * std::max(1.0, o.squares);
  }
};

}  // namespace

StagePartition partition_layers(const std::vector<double>& cost, int stages, double first_extra, double last_extra) {
  const int L = static_cast<int>(cost.size());
  if (stages < 1 || stages > L)
    throw std::invalid_argument(fmt::format("cannot split {} layers into {} stages of at least one layer", L, stages));
  std::vector<double> prefix(L + 1, 0.0);
  for (int i = 0; i < L; ++i) prefix[i + 1] = prefix[i] + cost[i];
  auto stage_cost = [&](int k, int from, int to) {  // stage k holds layers [from, to)
    double c = prefix[to] - prefix[from];
    if (k == 0) c += first_extra;
    if (k == stages - 1) c += last_extra;
    return c;
  };
  // best[k][i]: stages 0..k covering layers [0, i); choice[k][i]: where stage k starts.
  std::vector<std::vector<Cost>> best(stages, std::vector<Cost>(L + 1));
  std::vector<std::vector<int>> choice(stages, std::vector<int>(L + 1, -1));
  for (int i = 1; i <= L; ++i) {
    double c = stage_cost(0, 0, i);
    best[0][i] = {c, c * c};
    choice[0][i] = 0;
  }
  for (int k = 1; k < stages; ++k)
    for (int i = k + 1; i <= L; ++i)
      for (int j = k; j < i; ++j) {
        if (choice[k - 1][j] < 0) continue;
        double c = stage_cost(k, j, i);
        Cost cand{std::max(best[k - 1][j].bottleneck, c), best[k - 1][j].squares + c * c};
        if (cand.better_than(best[k][i])) best[k][i] = cand, choice[k][i] = j;
      }
  StagePartition p;
  p.first_layer.resize(stages);
  p.layers.resize(stages);
  int end = L;
  for (int k = stages - 1; k >= 0; --k) {
    int start = choice[k][end];
    p.first_layer[k] = start;
    p.layers[k] = end - start;
    end = start;
  }
  return p;
}

std::vector<double> stage_costs(const StagePartition& p, const std::vector<double>& cost, double first_extra,
                                double last_extra) {
  std::vector<double> out(p.stages(), 0.0);
  for (int k = 0; k < p.stages(); ++k) {
    for (int i = p.first_layer[k]; i < p.first_layer[k] + p.layers[k]; ++i) out[k] += cost.at(i);
    if (k == 0) out[k] += first_extra;
    if (k == p.stages() - 1) out[k] += last_extra;
  }
  return out;
}

}  // namespace chimera
