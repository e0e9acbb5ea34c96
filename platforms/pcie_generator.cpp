#include "platforms/pcie_generator.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "platforms/generator_common.hpp"

namespace chimera {

int pcie_socket_of(const PcieParams& p, int gpu) { return gpu / (p.gpus / p.sockets); }

FlatTopology pcie_topology(const PcieParams& p, const std::string& prefix) {
  if (p.sockets < 1 || p.sockets > 2 || p.gpus % p.sockets != 0)
    throw std::logic_error("pcie: sockets must be 1 or 2 and divide the GPU count");
  const int per_socket = p.gpus / p.sockets;
  if (p.gpus_per_switch > 0 && per_socket % p.gpus_per_switch != 0)
    throw std::logic_error("pcie: gpus_per_switch must divide the GPUs of a socket");
  const double eff = p.payload_efficiency;
  FlatTopology t;
  std::vector<std::string> rc, memory;
  for (int s = 0; s < p.sockets; ++s) {
    rc.push_back(fmt::format("{}socket{}-rc", prefix, s));
    t.routers.push_back(rc.back());
  }
  // Host memory: a router per socket behind a shared link (reads and writes share DRAM).
  for (int s = 0; s < p.sockets; ++s) {
    std::string dram = fmt::format("{}socket{}-dram", prefix, s);
    t.routers.push_back(dram);
    FlatLink l{{fmt::format("{}socket{}-memory", prefix, s), p.host_memory_bandwidth_Bps, p.host_memory_latency_s,
                xml::Sharing::shared, link_props("host-memory", eff)},
               rc[s], dram};
    memory.push_back(t.add_link(std::move(l)));
  }
  std::string upi;
  if (p.sockets == 2) {
    FlatLink l{{prefix + "inter-socket", p.inter_socket_bandwidth_Bps, p.inter_socket_latency_s,
                xml::Sharing::split_duplex, link_props("upi", eff)},
               rc[0], rc[1]};
    upi = t.add_link(std::move(l));  // UP: socket 0 -> socket 1
  }
  // Switch uplinks (when GPUs sit behind PCIe switches).
  std::vector<std::string> uplink_of(p.gpus);
  std::vector<int> switch_of(p.gpus, -1);
  for (int g = 0; g < p.gpus; ++g) {
    std::string host = fmt::format("{}gpu{}", prefix, g);
    t.hosts.push_back(gpu_host(host, p.host_preset));
    const int s = pcie_socket_of(p, g);
    std::string attach = rc[s];
    if (p.gpus_per_switch > 0) {
      const int w = (g % per_socket) / p.gpus_per_switch;
      switch_of[g] = s * 1000 + w;
      std::string sw = fmt::format("{}socket{}-switch{}", prefix, s, w);
      if (g % p.gpus_per_switch == 0) {
        t.routers.push_back(sw);
        FlatLink l{{sw + "-uplink", p.pcie_bandwidth_Bps, p.switch_latency_s, xml::Sharing::split_duplex,
                    link_props("pcie", eff)},
                   sw, rc[s]};
        t.add_link(std::move(l));  // UP: switch -> root complex
      }
      uplink_of[g] = sw + "-uplink";
      attach = sw;
    }
    FlatLink l{{host + "-pcie", p.pcie_bandwidth_Bps, p.pcie_latency_s, xml::Sharing::split_duplex,
                link_props("pcie", eff)},
               host, attach};
    t.add_link(std::move(l));  // UP: GPU -> switch or root complex
  }
  for (int a = 0; a < p.gpus; ++a)
    for (int b = 0; b < p.gpus; ++b) {
      if (a == b) continue;
      const int sa = pcie_socket_of(p, a), sb = pcie_socket_of(p, b);
      xml::Route r;
      r.src = t.hosts[a].id;
      r.dst = t.hosts[b].id;
      r.hops.push_back(up(t.hosts[a].id + "-pcie"));
      const bool same_switch = p.gpus_per_switch > 0 && switch_of[a] == switch_of[b];
      if (p.p2p && same_switch) {
        r.hops.push_back(down(t.hosts[b].id + "-pcie"));
        t.routes.push_back(std::move(r));
        continue;
      }
      if (!uplink_of[a].empty()) r.hops.push_back(up(uplink_of[a]));
      if (sa != sb) r.hops.push_back(sa == 0 ? up(upi) : down(upi));
      if (!p.p2p) {
        // Staged in the receiver's socket memory: written once, read back once.
        r.hops.push_back(through(memory[sb]));
        r.hops.push_back(through(memory[sb]));
      }
      if (!uplink_of[b].empty()) r.hops.push_back(down(uplink_of[b]));
      r.hops.push_back(down(t.hosts[b].id + "-pcie"));
      t.routes.push_back(std::move(r));
    }
  return t;
}

std::string pcie_platform_xml(const PcieParams& p, const std::string& comment) {
  FlatTopology t = pcie_topology(p, "");
  if (p.ns3) {
    if (!p.p2p) throw std::logic_error("ns-3 variant of pcie needs p2p");
    return xml::write_platform(ns3_zone(t, "platform"), comment);
  }
  xml::Zone z = flow_zone(t, "platform");
  add_nccl_props(z.props, p.nccl);
  return xml::write_platform(z, comment);
}

}  // namespace chimera
