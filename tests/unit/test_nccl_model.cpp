// NCCL's cost model (collectives/nccl_model.hpp) against hand calculations from the tables of
// NCCL's src/graph/tuning.cc (baseLat, hwLat in microseconds; LL 1/4, LL128 0.92 of Simple's
// bus bandwidth) and the NVLS port load M (n + 1) / n.
#include <doctest/doctest.h>

#include "collectives/nccl_model.hpp"
#include "tests/approx.hpp"

using namespace chimera;
using chimera::test::approx;

namespace {

constexpr double B = 367.65e9;  // 450 GB/s x 0.817: an H100 port's payload bandwidth
constexpr double GiB = 1024.0 * 1024 * 1024;

NcclGroupFacts one_node(int n) {
  NcclGroupFacts g;
  g.ranks = n;
  g.intra = NcclHw::nvlink;
  g.intra_bandwidth_Bps = B;
  g.intra_latency_s = 1e-6;
  return g;
}

NcclModel h100() {
  NcclModel m;
  m.enabled = true;
  m.nvls = true;
  return m;
}

}  // namespace

TEST_CASE("ring all-reduce estimates per protocol: baseLat + 2(n-1) hwLat + bus bytes / bus bandwidth") {
  const NcclModel m = h100();
  const double M = 1 << 20;
  auto t = [&](NcclProtocol p) {
    return *nccl_estimate_s(m, CollectiveKind::all_reduce, CollectiveAlgorithm::ring, p, one_node(8), M);
  };
  CHECK(t(NcclProtocol::simple) == approx(8.4e-6 + 14 * 3.4e-6 + 1.75 * M / B));
  CHECK(t(NcclProtocol::ll) == approx(6.6e-6 + 14 * 0.6e-6 + 1.75 * M / (B / 4)));
  CHECK(t(NcclProtocol::ll128) == approx(14e-6 + 14 * 1.9e-6 + 1.75 * M / (0.92 * B)));
  // All-gather: n-1 steps, bus factor (n-1)/n, LL at 1/3 of Simple inside one node.
  CHECK(*nccl_estimate_s(m, CollectiveKind::all_gather, CollectiveAlgorithm::ring, NcclProtocol::ll, one_node(8), M) ==
        approx(6.6e-6 + 7 * 0.6e-6 + 0.875 * M / (B / 3)));
}

TEST_CASE("protocol choice: LL for small messages, Simple for large, LL128 never where disallowed") {
  NcclModel m = h100();
  CHECK(nccl_choose_protocol(m, CollectiveKind::all_reduce, CollectiveAlgorithm::ring, one_node(8), 8192).protocol ==
        NcclProtocol::ll);
  CHECK(nccl_choose_protocol(m, CollectiveKind::all_reduce, CollectiveAlgorithm::ring, one_node(8), 4 * GiB).protocol ==
        NcclProtocol::simple);
  // Between them LL128 wins where it is allowed (LL128 overtakes LL at 1.75 M (4 - 1/0.92) / B = 25.6 us, M = 1.8 MB).
  CHECK(nccl_choose_protocol(m, CollectiveKind::all_reduce, CollectiveAlgorithm::ring, one_node(8), 4 << 20).protocol ==
        NcclProtocol::ll128);
  m.ll128 = false;
  CHECK(nccl_choose_protocol(m, CollectiveKind::all_reduce, CollectiveAlgorithm::ring, one_node(8), 4 << 20).protocol !=
        NcclProtocol::ll128);
  m.protocol = NcclProtocol::simple;  // NCCL_PROTO=Simple
  CHECK(nccl_choose_protocol(m, CollectiveKind::all_reduce, CollectiveAlgorithm::ring, one_node(8), 8192).protocol ==
        NcclProtocol::simple);
}

TEST_CASE("NVLS: port load M (n+1)/n at the NVLS efficiency, 25 us, chosen over the ring where faster") {
  const NcclModel m = h100();
  const double M = 4 * GiB;
  CHECK(*nccl_estimate_s(m, CollectiveKind::all_reduce, CollectiveAlgorithm::nvls, NcclProtocol::simple, one_node(8), M) ==
        approx(25e-6 + M * 9 / 8 / (B * 0.8395)));
  CHECK_FALSE(nccl_estimate_s(m, CollectiveKind::all_reduce, CollectiveAlgorithm::nvls, NcclProtocol::ll, one_node(8), M));
  CHECK_FALSE(nccl_estimate_s(m, CollectiveKind::all_gather, CollectiveAlgorithm::nvls, NcclProtocol::simple, one_node(8), M));
  // 8 GPUs: NVLS (1.34 M / B against the ring's 1.75 M / B); 2 GPUs: the ring (1 against 1.79).
  CHECK(nccl_choose_all_reduce(m, one_node(8), M).algorithm == CollectiveAlgorithm::nvls);
  CHECK(nccl_choose_all_reduce(m, one_node(2), M).algorithm == CollectiveAlgorithm::ring);
  NcclModel no = m;
  no.nvls = false;
  CHECK(nccl_choose_all_reduce(no, one_node(8), M).algorithm == CollectiveAlgorithm::ring);
  // Small all-reduces stay on the LL ring (15 us against NVLS's 25 us).
  CHECK(nccl_choose_all_reduce(m, one_node(8), 8192).algorithm == CollectiveAlgorithm::ring);
}

TEST_CASE("added latency: baseLat once, each step's hwLat beyond the route's own latency") {
  const NcclModel m = h100();
  // 8 ranks, Simple: 8.4 + 14 x (3.4 - 1.0) us.
  CHECK(nccl_added_latency_s(m, CollectiveKind::all_reduce, CollectiveAlgorithm::ring, NcclProtocol::simple, one_node(8),
                             1e-6, 0) == approx(8.4e-6 + 14 * 2.4e-6));
  // LL's 0.6 us per step is below the 1 us route: only baseLat is added.
  CHECK(nccl_added_latency_s(m, CollectiveKind::all_reduce, CollectiveAlgorithm::ring, NcclProtocol::ll, one_node(8), 1e-6,
                             0) == approx(6.6e-6));
  NcclModel scaled = m;
  scaled.latency_scale = 2;
  CHECK(nccl_added_latency_s(scaled, CollectiveKind::all_reduce, CollectiveAlgorithm::ring, NcclProtocol::simple,
                             one_node(8), 1e-6, 0) == approx(16.8e-6 + 14 * 5.8e-6));
  NcclModel off;
  CHECK(nccl_added_latency_s(off, CollectiveKind::all_reduce, CollectiveAlgorithm::ring, NcclProtocol::simple, one_node(8),
                             1e-6, 0) == 0);
}

TEST_CASE("across nodes: NET steps and rails") {
  NcclModel m = h100();
  NcclGroupFacts g = one_node(16);
  g.nodes = 2;
  g.inter_bandwidth_Bps = 50e9;
  g.rails = 8;
  const double M = GiB;
  // 30 steps, 2 across nodes; bandwidth min(intra, 8 x 50 GB/s).
  CHECK(*nccl_estimate_s(m, CollectiveKind::all_reduce, CollectiveAlgorithm::ring, NcclProtocol::simple, g, M) ==
        approx(8.4e-6 + 28 * 3.4e-6 + 2 * 14e-6 + 2.0 * 15 / 16 * M / B));
  CHECK_FALSE(nccl_estimate_s(m, CollectiveKind::all_reduce, CollectiveAlgorithm::nvls, NcclProtocol::simple, g, M));
  CHECK(nccl_protocol_bandwidth_factor(NcclProtocol::ll, CollectiveKind::all_gather, 2, 8) == approx(0.25));
  CHECK(nccl_protocol_bandwidth_factor(NcclProtocol::ll128, CollectiveKind::all_gather, 2, 1) == approx(0.7));
}
