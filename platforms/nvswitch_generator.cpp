#include "platforms/nvswitch_generator.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "platforms/generator_common.hpp"

namespace chimera {

ContentionCurve nvswitch_curve(const NvswitchParams& p) {
  if (!p.curve.efficiency.empty()) return p.curve;
  return linear_contention(p.gpus - 1, 0.5);
}

FlatTopology nvswitch_topology(const NvswitchParams& p, const std::string& prefix) {
  FlatTopology t;
  const std::string sw = prefix + "nvswitch";
  t.routers.push_back(sw);
  const std::string contention = p.contention ? format_contention(nvswitch_curve(p)) : "";
  std::vector<std::string> ports;
  for (int g = 0; g < p.gpus; ++g) {
    std::string host = fmt::format("{}gpu{}", prefix, g);
    t.hosts.push_back(gpu_host(host, p.host_preset));
    FlatLink l;
    // Contention at the receiving port only (the DOWN half): see nvswitch_generator.hpp.
    l.link = {host + "-nvlink", p.port_bandwidth_Bps, p.port_latency_s, xml::Sharing::split_duplex,
              link_props("nvlink", p.payload_efficiency), {}};
    if (!contention.empty()) l.link.down_props.emplace_back("contention", contention);
    l.from = host;
    l.to = sw;
    ports.push_back(t.add_link(std::move(l)));
  }
  std::string backplane;
  if (p.backplane_Bps > 0) {
    FlatLink l;
    l.link = {prefix + "nvswitch-backplane", p.backplane_Bps, 0, xml::Sharing::shared,
              link_props("nvswitch", p.payload_efficiency)};
    backplane = t.add_link(std::move(l));  // no end points: not a physical point-to-point link
  }
  for (int a = 0; a < p.gpus; ++a)
    for (int b = 0; b < p.gpus; ++b) {
      if (a == b) continue;
      xml::Route r;
      r.src = t.hosts[a].id;
      r.dst = t.hosts[b].id;
      r.hops.push_back(up(ports[a]));
      if (!backplane.empty()) r.hops.push_back(through(backplane));
      r.hops.push_back(down(ports[b]));
      t.routes.push_back(std::move(r));
    }
  return t;
}

std::string nvswitch_platform_xml(const NvswitchParams& p, const std::string& comment) {
  FlatTopology t = nvswitch_topology(p, "");
  if (p.ns3) {
    if (p.contention || p.backplane_Bps > 0)
      throw std::logic_error("ns-3 variant of nvswitch needs contention off and no backplane");
    return xml::write_platform(ns3_zone(t, "platform"), comment);
  }
  xml::Zone z = flow_zone(t, "platform");
  add_nccl_props(z.props, p.nccl);
  return xml::write_platform(z, comment);
}

}  // namespace chimera
