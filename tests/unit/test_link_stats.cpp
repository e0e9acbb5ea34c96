// Issue 9: per-link statistics. Bytes are the payload of every transfer that crossed the link;
// busy time is the union of the transfers' data phases ([start + route latency, end]). Expected
// values come from the routes the generators document and CM02's closed forms.
#include <doctest/doctest.h>

#include "actors/simulate.hpp"
#include "platforms/generator_registry.hpp"
#include "tests/approx.hpp"

using namespace chimera;
using chimera::test::approx;

namespace {

constexpr double X = 512.0 * 1024 * 1024;

Op transfer(Program& p, OpKind kind, int peer, double bytes) {
  Op op;
  op.kind = kind;
  op.stream = kPipelineStream;
  op.peer = p.bind_peer(peer);
  op.bytes = bytes;
  return op;
}

// Rank s sends X to rank d for every (s, d), all at once.
std::vector<Program> sends(int ranks, const std::vector<std::pair<int, int>>& pairs) {
  std::vector<Program> programs(ranks);
  for (int r = 0; r < ranks; ++r) programs[r].rank = r;
  for (auto [s, d] : pairs) {
    programs[s].add(transfer(programs[s], OpKind::send, d, X));
    programs[d].add(transfer(programs[d], OpKind::recv, s, X));
  }
  return programs;
}

SimulationOptions options(const std::string& kind, const std::vector<std::string>& args) {
  SimulationOptions o;
  GeneratedPlatform g = generate_from_cli(kind, args);
  o.platform.generated_xml = g.xml;
  o.platform.description = g.description;
  o.link_stats = true;
  return o;
}

const LinkUsage* find(const LinkStats& s, const std::string& link) {
  for (const auto& u : s.links)
    if (u.link == link) return &u;
  return nullptr;
}

}  // namespace

TEST_CASE("link stats: one NVSwitch transfer loads the sender's UP port and the receiver's DOWN port") {
  SimulationResult r = simulate(sends(2, {{0, 1}}), options("nvswitch", {"--gpus", "2", "--payload-efficiency", "1"}));
  REQUIRE(r.link_stats);
  const LinkStats& s = *r.link_stats;
  CHECK(s.communications == 1);
  REQUIRE(s.links.size() == 2);
  for (const char* name : {"gpu0-nvlink-up", "gpu1-nvlink-down"}) {
    const LinkUsage* u = find(s, name);
    REQUIRE(u);
    CHECK(u->bytes == X);
    CHECK(u->flows == 1);
    CHECK(u->role == "nvlink");
    CHECK(u->busy_s == approx(X / 300e9).epsilon(0.005));  // data phase, latency excluded
    CHECK(u->utilization() == approx(1.0).epsilon(0.005));
  }
  REQUIRE(s.roles.size() == 1);
  CHECK(s.roles[0].role == "nvlink");
  CHECK(s.roles[0].links_used == 2);
  CHECK(s.roles[0].bytes == 2 * X);
}

TEST_CASE("link stats: the inter-socket link is named the bottleneck of cross-socket traffic") {
  // Two flows 0 -> 4 and 1 -> 5 cross socket 0's root complex to socket 1: the inter-socket link
  // (10 GB/s, UP) carries 2X and is busy 2X / 10 GB/s; each PCIe port carries X at 5 GB/s, busy
  // as long. Busy ties are broken by bytes: the inter-socket link comes first.
  SimulationResult r = simulate(sends(8, {{0, 4}, {1, 5}}), options("pcie", {"--inter-socket-bandwidth", "10GBps"}));
  REQUIRE(r.link_stats);
  const LinkStats& s = *r.link_stats;
  REQUIRE(!s.links.empty());
  CHECK(s.links[0].link == "inter-socket-up");
  CHECK(s.links[0].role == "upi");
  CHECK(s.links[0].bytes == 2 * X);
  CHECK(s.links[0].busy_s == approx(2 * X / 10e9).epsilon(0.005));
  const LinkUsage* port = find(s, "gpu0-pcie-up");
  REQUIRE(port);
  CHECK(port->bytes == X);
  CHECK(port->utilization() == approx(5e9 / 26e9).epsilon(0.01));
  CHECK(s.roles[0].role == "pcie");  // 4 PCIe directions x X = 4X bytes, more than the UPI's 2X
  CHECK(s.roles[0].bytes == 4 * X);
}

TEST_CASE("link stats: busy time is the union of overlapping and separate transfers") {
  // Rank 0 sends X to 1, then X to 2: gpu0's UP port is busy for both data phases (X / B each),
  // separated by the second transfer's latency, which is not busy time.
  std::vector<Program> p(3);
  for (int r = 0; r < 3; ++r) p[r].rank = r;
  OpIndex first = p[0].add(transfer(p[0], OpKind::send, 1, X));
  Op second = transfer(p[0], OpKind::send, 2, X);
  second.deps = {first};
  p[0].add(second);
  p[1].add(transfer(p[1], OpKind::recv, 0, X));
  p[2].add(transfer(p[2], OpKind::recv, 0, X));
  SimulationResult r = simulate(p, options("nvswitch", {"--gpus", "3", "--payload-efficiency", "1"}));
  const LinkUsage* up = find(*r.link_stats, "gpu0-nvlink-up");
  REQUIRE(up);
  CHECK(up->flows == 2);
  CHECK(up->busy_s == approx(2 * X / 300e9).epsilon(0.005));
  CHECK(r.makespan_s == approx(2 * (1e-6 + X / 300e9)).epsilon(0.005));
}
