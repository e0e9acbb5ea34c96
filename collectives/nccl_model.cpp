#include "collectives/nccl_model.hpp"

#include <algorithm>
#include <limits>

namespace chimera {
namespace {

// NCCL 2.18-2.21, src/graph/tuning.cc, in microseconds.
//   static const float baseLat[NCCL_NUM_ALGORITHMS][NCCL_NUM_PROTOCOLS] =
//     { { 6.8, 14.0, 0 } /* Tree */, { 6.6, 14.0, 8.4 } /* Ring */, ..., { 0, 0, 0 } /* NVLS */ };
//   static float hwLat[3][NCCL_NUM_ALGORITHMS][NCCL_NUM_PROTOCOLS] = {
//     /* NVLINK */ { Tree { .6, 1.25, 4 }, Ring { .6, 1.9, 3.4 }, ..., NVLS { 0, 0, 25 } },
//     /* PCI */    { Tree { 1.0, 1.9, 4 }, Ring { 1.0, 2.5, 5.7 }, ..., NVLS { 0, 0, 0 } },
//     /* NET */    { Tree { 5.0, 8.5, 14 }, Ring { 2.7, 4.0, 14.0 }, ..., NVLS { 0, 0, 18 } } };
constexpr double kBaseLatUs[3][3] = {{6.8, 14.0, 0}, {6.6, 14.0, 8.4}, {0, 0, 0}};
constexpr double kHwLatUs[3][3][3] = {
    {{.6, 1.25, 4}, {.6, 1.9, 3.4}, {0, 0, 25}},
    {{1.0, 1.9, 4}, {1.0, 2.5, 5.7}, {0, 0, 0}},
    {{5.0, 8.5, 14}, {2.7, 4.0, 14.0}, {0, 0, 18}},
};

int index(NcclProtocol p) { return static_cast<int>(p); }
int index(NcclAlgo a) { return static_cast<int>(a); }
int index(NcclHw h) { return static_cast<int>(h); }

bool ring_kind(CollectiveKind k) {
  return k == CollectiveKind::all_reduce || k == CollectiveKind::reduce_scatter || k == CollectiveKind::all_gather ||
         k == CollectiveKind::broadcast || k == CollectiveKind::reduce;
}

// Ring steps in total and across nodes (tuning.cc: nsteps, nInterSteps).
void ring_steps(CollectiveKind k, const NcclGroupFacts& g, int& steps, int& inter_steps) {
  const int n = g.ranks, nodes = std::max(1, g.nodes);
  switch (k) {
    case CollectiveKind::all_reduce: steps = 2 * (n - 1), inter_steps = 2 * (nodes - 1); break;
    case CollectiveKind::broadcast:
    case CollectiveKind::reduce: steps = n - 1, inter_steps = nodes - 1; break;
    default: steps = n - 1, inter_steps = nodes - 1; break;
  }
}

// Bus bytes over bus bandwidth = algorithm time: the factor bus bytes / bytes (nccl-tests).
double bus_factor(CollectiveKind k, int n) {
  switch (k) {
    case CollectiveKind::all_reduce: return 2.0 * (n - 1) / n;
    case CollectiveKind::reduce_scatter:
    case CollectiveKind::all_gather: return double(n - 1) / n;
    default: return 1.0;
  }
}

}  // namespace

const char* to_string(NcclProtocol p) {
  switch (p) {
    case NcclProtocol::ll: return "LL";
    case NcclProtocol::ll128: return "LL128";
    case NcclProtocol::simple: return "Simple";
  }
  return "?";
}

bool parse_nccl_protocol(const std::string& s, std::optional<NcclProtocol>& out) {
  if (s == "auto") return out = std::nullopt, true;
  for (NcclProtocol p : {NcclProtocol::ll, NcclProtocol::ll128, NcclProtocol::simple})
    if (s == to_string(p)) return out = p, true;
  return false;
}

const char* to_string(NcclHw h) {
  switch (h) {
    case NcclHw::nvlink: return "NVLink";
    case NcclHw::pci: return "PCI";
    case NcclHw::net: return "NET";
  }
  return "?";
}

double nccl_base_latency_s(NcclAlgo a, NcclProtocol p) { return kBaseLatUs[index(a)][index(p)] * 1e-6; }

double nccl_hw_latency_s(NcclHw h, NcclAlgo a, NcclProtocol p) { return kHwLatUs[index(h)][index(a)][index(p)] * 1e-6; }

double nccl_protocol_bandwidth_factor(NcclProtocol p, CollectiveKind kind, int nodes, int gpus_per_node) {
  switch (p) {
    case NcclProtocol::ll:
      return (nodes > 1 || kind == CollectiveKind::all_reduce || kind == CollectiveKind::reduce) ? 1.0 / 4.0 : 1.0 / 3.0;
    case NcclProtocol::ll128: return gpus_per_node < 2 ? 0.7 : 0.92;
    case NcclProtocol::simple: return 1.0;
  }
  return 1.0;
}

std::optional<double> nccl_estimate_s(const NcclModel& m, CollectiveKind kind, CollectiveAlgorithm algo, NcclProtocol p,
                                      const NcclGroupFacts& g, double bytes) {
  const int n = g.ranks;
  if (n < 2) return 0.0;
  const int nodes = std::max(1, g.nodes), per_node = std::max(1, n / nodes);
  if (p == NcclProtocol::ll128 && !m.ll128) return std::nullopt;
  if (algo == CollectiveAlgorithm::nvls) {
    if (!m.nvls || kind != CollectiveKind::all_reduce || nodes > 1 || p != NcclProtocol::simple) return std::nullopt;
    const double lat = m.latency_scale * (nccl_base_latency_s(NcclAlgo::nvls, p) +
                                          nccl_hw_latency_s(NcclHw::nvlink, NcclAlgo::nvls, p));
    // Each port carries M + M/n each way (collectives/nvls.hpp).
    const double algbw = g.intra_bandwidth_Bps * m.nvls_efficiency * n / (n + 1.0);
    return lat + bytes / algbw;
  }
  if (algo != CollectiveAlgorithm::ring || !ring_kind(kind)) return std::nullopt;
  int steps = 0, inter = 0;
  ring_steps(kind, g, steps, inter);
  const double lat = m.latency_scale * (nccl_base_latency_s(NcclAlgo::ring, p) +
                                        (steps - inter) * nccl_hw_latency_s(g.intra, NcclAlgo::ring, p) +
                                        inter * nccl_hw_latency_s(NcclHw::net, NcclAlgo::ring, p));
  double bw = g.intra_bandwidth_Bps;
  if (nodes > 1 && g.inter_bandwidth_Bps > 0) bw = std::min(bw, g.inter_bandwidth_Bps * std::max(1, g.rails));
  bw *= nccl_protocol_bandwidth_factor(p, kind, nodes, per_node);
  if (!(bw > 0)) return std::nullopt;
  return lat + bytes * bus_factor(kind, n) / bw;
}

NcclChoice nccl_choose_protocol(const NcclModel& m, CollectiveKind kind, CollectiveAlgorithm algo, const NcclGroupFacts& g,
                                double bytes) {
  NcclChoice best{algo, NcclProtocol::simple, std::numeric_limits<double>::infinity()};
  for (NcclProtocol p : {NcclProtocol::ll, NcclProtocol::ll128, NcclProtocol::simple}) {
    if (m.protocol && *m.protocol != p) continue;
    auto t = nccl_estimate_s(m, kind, algo, p, g, bytes);
    if (t && *t < best.estimate_s) best = {algo, p, *t};
  }
  if (best.estimate_s == std::numeric_limits<double>::infinity()) {
    // Nothing applies (a forced protocol the algorithm does not run): NCCL falls back to Simple.
    best.protocol = NcclProtocol::simple;
    best.estimate_s = nccl_estimate_s(m, kind, algo, NcclProtocol::simple, g, bytes).value_or(0);
  }
  return best;
}

NcclChoice nccl_choose_all_reduce(const NcclModel& m, const NcclGroupFacts& g, double bytes) {
  NcclChoice ring = nccl_choose_protocol(m, CollectiveKind::all_reduce, CollectiveAlgorithm::ring, g, bytes);
  if (auto t = nccl_estimate_s(m, CollectiveKind::all_reduce, CollectiveAlgorithm::nvls, NcclProtocol::simple, g, bytes);
      t && *t < ring.estimate_s && (!m.protocol || *m.protocol == NcclProtocol::simple))
    return {CollectiveAlgorithm::nvls, NcclProtocol::simple, *t};
  return ring;
}

double nccl_added_latency_s(const NcclModel& m, CollectiveKind kind, CollectiveAlgorithm algo, NcclProtocol p,
                            const NcclGroupFacts& g, double intra_route_latency_s, double inter_route_latency_s) {
  if (!m.enabled || g.ranks < 2) return 0;
  if (algo == CollectiveAlgorithm::nvls)
    return std::max(0.0, m.latency_scale * (nccl_base_latency_s(NcclAlgo::nvls, p) +
                                            nccl_hw_latency_s(NcclHw::nvlink, NcclAlgo::nvls, p)) -
                             intra_route_latency_s);
  if (!ring_kind(kind)) return 0;
  int steps = 0, inter = 0;
  ring_steps(kind, g, steps, inter);
  const double intra_step = std::max(0.0, m.latency_scale * nccl_hw_latency_s(g.intra, NcclAlgo::ring, p) - intra_route_latency_s);
  const double inter_step = std::max(0.0, m.latency_scale * nccl_hw_latency_s(NcclHw::net, NcclAlgo::ring, p) - inter_route_latency_s);
  return m.latency_scale * nccl_base_latency_s(NcclAlgo::ring, p) + (steps - inter) * intra_step + inter * inter_step;
}

}  // namespace chimera
