#include "platforms/grid_generator.hpp"

#include <fmt/format.h>

#include <array>
#include <stdexcept>

#include "platforms/generator_common.hpp"

namespace chimera {
namespace {

constexpr std::array<char, 3> kAxis = {'x', 'y', 'z'};

std::string channel(int router, int dim, bool plus) {
  return fmt::format("r{}-{}{}", router, kAxis[dim], plus ? '+' : '-');
}

}  // namespace

int grid_dimensions(GridShape s) { return s == GridShape::torus3d ? 3 : 2; }

int grid_hosts(const GridParams& p) {
  int n = 1;
  for (int d = 0; d < grid_dimensions(p.shape); ++d) n *= p.k;
  return n;
}

FlatTopology grid_topology(const GridParams& p) {
  if (p.k < 2) throw std::logic_error("grid: k must be at least 2");
  const int dims = grid_dimensions(p.shape);
  const bool torus = p.shape != GridShape::mesh2d;
  const int n = grid_hosts(p);
  const double eff = p.payload_efficiency;
  std::array<int, 3> stride = {1, p.k, p.k * p.k};
  auto coord = [&](int i, int d) { return (i / stride[d]) % p.k; };
  // The neighbour of `i` one step along `d`, or -1 off a mesh edge.
  auto step = [&](int i, int d, bool plus) {
    int c = coord(i, d), next = c + (plus ? 1 : -1);
    if (next < 0 || next >= p.k) {
      if (!torus) return -1;
      next = (next + p.k) % p.k;
    }
    return i + (next - c) * stride[d];
  };

  FlatTopology t;
  for (int i = 0; i < n; ++i) {
    t.hosts.push_back(gpu_host(fmt::format("gpu{}", i), p.host_preset));
    t.routers.push_back(fmt::format("r{}", i));
  }
  for (int i = 0; i < n; ++i) {
    FlatLink inj{{fmt::format("gpu{}-inj", i), p.link_bandwidth_Bps, p.injection_latency_s, xml::Sharing::split_duplex,
                  link_props("injection", eff)},
                 t.hosts[i].id, t.routers[i]};
    t.add_link(std::move(inj));
  }
  for (int i = 0; i < n; ++i)
    for (int d = 0; d < dims; ++d)
      for (bool plus : {true, false}) {
        int j = step(i, d, plus);
        if (j < 0) continue;
        FlatLink ch{{channel(i, d, plus), p.link_bandwidth_Bps, p.link_latency_s, xml::Sharing::shared,
                     link_props("channel", eff)},
                    t.routers[i], t.routers[j], true};
        t.add_link(std::move(ch));
      }
  for (int a = 0; a < n; ++a)
    for (int b = 0; b < n; ++b) {
      if (a == b) continue;
      xml::Route r;
      r.src = t.hosts[a].id;
      r.dst = t.hosts[b].id;
      r.hops.push_back(up(fmt::format("gpu{}-inj", a)));
      int cur = a;
      for (int d = 0; d < dims; ++d) {
        while (coord(cur, d) != coord(b, d)) {
          int forward = (coord(b, d) - coord(cur, d) + p.k) % p.k;  // hops going +
          bool plus = torus ? forward <= p.k - forward : coord(b, d) > coord(cur, d);  // tie: +
          r.hops.push_back(through(channel(cur, d, plus)));
          cur = step(cur, d, plus);
        }
      }
      r.hops.push_back(down(fmt::format("gpu{}-inj", b)));
      t.routes.push_back(std::move(r));
    }
  return t;
}

std::string grid_platform_xml(const GridParams& p, const std::string& comment) {
  const char* id = "platform";
  FlatTopology t = grid_topology(p);
  xml::Zone z = p.ns3 ? ns3_zone(t, id) : flow_zone(t, id);
  // What the research runs on mesh and torus groups; read by collectives' `auto`.
  z.props.emplace_back("collective_algorithm", "hierarchical-ring");
  return xml::write_platform(z, comment);
}

FlatTopology dgx2_topology(const Dgx2Params& p) {
  if (p.c < 1) throw std::logic_error("dgx2: c must be at least 1");
  const double eff = p.payload_efficiency;
  FlatTopology t;
  t.routers = {"switch0", "switch1"};
  for (int i = 0; i < 2 * p.c; ++i) t.hosts.push_back(gpu_host(fmt::format("gpu{}", i), p.host_preset));
  for (int i = 0; i < 2 * p.c; ++i) {
    FlatLink l{{fmt::format("gpu{}-port", i), p.link_bandwidth_Bps, p.link_latency_s, xml::Sharing::split_duplex,
                link_props("injection", eff)},
               t.hosts[i].id, t.routers[i / p.c]};
    t.add_link(std::move(l));
  }
  if (p.ns3) {
    // SimGrid joins two routers by one route only, so the ns-3 variant (one-link routes, ns-3's
    // own shortest-path routing) has one inter-switch link carrying the c links' bandwidth. The
    // flow-level variant pins each destination to its own link instead; both offer c x B.
    FlatLink l{{"isl", p.c * p.link_bandwidth_Bps, p.link_latency_s, xml::Sharing::split_duplex,
                link_props("inter-switch", eff)},
               "switch0", "switch1"};
    t.add_link(std::move(l));
    return t;  // ns3_zone() writes no explicit routes
  }
  for (int q = 0; q < p.c; ++q) {
    FlatLink l{{fmt::format("isl{}", q), p.link_bandwidth_Bps, p.link_latency_s, xml::Sharing::split_duplex,
                link_props("inter-switch", eff)},
               "switch0", "switch1"};
    t.add_link(std::move(l));  // UP: switch 0 -> switch 1
  }
  for (int a = 0; a < 2 * p.c; ++a)
    for (int b = 0; b < 2 * p.c; ++b) {
      if (a == b) continue;
      xml::Route r;
      r.src = t.hosts[a].id;
      r.dst = t.hosts[b].id;
      r.hops.push_back(up(fmt::format("gpu{}-port", a)));
      const int sa = a / p.c, sb = b / p.c;
      if (sa != sb) {
        std::string isl = fmt::format("isl{}", b % p.c);
        r.hops.push_back(sa == 0 ? up(isl) : down(isl));
      }
      r.hops.push_back(down(fmt::format("gpu{}-port", b)));
      t.routes.push_back(std::move(r));
    }
  return t;
}

std::string dgx2_platform_xml(const Dgx2Params& p, const std::string& comment) {
  FlatTopology t = dgx2_topology(p);
  xml::Zone z = p.ns3 ? ns3_zone(t, "platform") : flow_zone(t, "platform");
  // The research's switch algorithm: its halving-doubling generators exchange the two
  // directions one after the other (collectives/README.md); the concurrent one on request.
  z.props.emplace_back("collective_algorithm", p.algorithm);
  return xml::write_platform(z, comment);
}

}  // namespace chimera
