#include "collectives/closed_form.hpp"

#include <cmath>

namespace chimera {
namespace {

using A = CollectiveAlgorithm;
using K = CollectiveKind;

int ceil_log2(int n) {
  int k = 0;
  while ((1 << k) < n) ++k;
  return k;
}

}  // namespace

std::optional<double> closed_form_time(CollectiveKind kind, CollectiveAlgorithm algo, int n, double M, AlphaBeta ab,
                                       const std::vector<int>& shape, int targets, bool rotated) {
  const double a = ab.latency_s, B = ab.bandwidth_Bps;
  if (n <= 1 && kind != K::multicast && kind != K::m2ms) return 0.0;
  const double k = ceil_log2(n);
  auto rings = [&](int rounds, double chunk) { return rounds * (a + chunk / B); };
  if (kind == K::multicast) return a + M / B;
  if (kind == K::m2ms) {
    const int T = targets > 0 ? targets : n;
    // rotated rounds: one piece M/(S T) per port per round; unrotated: an S-way incast of M/T
    if (algo == A::ring) return rotated ? T * (a + M / (double(n) * T) / B) : T * a + M / B;
    return a + M / n / B;
  }
  switch (algo) {
    case A::ring:
    case A::ring_bidirectional:
      switch (kind) {
        case K::all_reduce: return rings(2 * (n - 1), M / n);
        case K::reduce_scatter:
        case K::all_gather: return rings(n - 1, M / n);
        case K::all_to_all: return algo == A::ring ? std::optional<double>(rings(n - 1, M / n)) : std::nullopt;
        case K::broadcast:
        case K::reduce: return algo == A::ring ? std::optional<double>(rings(2 * n - 2, M / n)) : std::nullopt;
        default: return std::nullopt;
      }
    case A::hierarchical_ring: {
      std::vector<int> dims = shape.empty() ? std::vector<int>{n} : shape;
      double rs = 0, ag = 0, a2a = 0, part = M, contrib = M / n;
      for (int d : dims) {
        part /= d;
        rs += rings(d - 1, part);
        ag += rings(d - 1, contrib);
        contrib *= d;
        a2a += rings(d - 1, M / d);
      }
      switch (kind) {
        case K::all_reduce: return rs + ag;
        case K::reduce_scatter: return rs;
        case K::all_gather: return ag;
        case K::all_to_all: return a2a;
        default: return std::nullopt;
      }
    }
    case A::halving_doubling:
    case A::halving_doubling_serial: {
      const double one_way = k * a + M * (n - 1) / n / B;
      const double rs = algo == A::halving_doubling_serial ? 2 * one_way : one_way;
      switch (kind) {
        case K::all_reduce: return rs + one_way;
        case K::reduce_scatter: return rs;
        case K::all_gather: return one_way;
        case K::all_to_all: return k * (a + M / 2 / B);
        default: return std::nullopt;
      }
    }
    case A::direct:
      switch (kind) {
        case K::all_reduce: return 2 * (a + M * (n - 1) / n / B);
        case K::reduce_scatter:
        case K::all_gather:
        case K::all_to_all: return a + M * (n - 1) / n / B;
        case K::broadcast:
        case K::reduce: return a + (n - 1) * M / B;
        default: return std::nullopt;
      }
    case A::binomial_tree:
      if (kind == K::broadcast || kind == K::reduce) return k * (a + M / B);
      return std::nullopt;
    default: return std::nullopt;
  }
}

}  // namespace chimera
