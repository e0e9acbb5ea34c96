#include "platforms/s4u_platform.hpp"

#include <fmt/format.h>
#include <simgrid/kernel/routing/NetPoint.hpp>
#include <simgrid/kernel/routing/NetZoneImpl.hpp>
#include <simgrid/s4u/Host.hpp>
#include <simgrid/s4u/Link.hpp>

#include <stdexcept>
#include <unordered_map>

namespace chimera {
namespace {

namespace s4u = simgrid::s4u;
using simgrid::kernel::routing::NetPoint;

bool known_routing(const std::string& r) {
  return r == "Full" || r == "Floyd" || r == "Dijkstra" || r == "DijkstraCache" || r == "None";
}

s4u::NetZone* create_zone(const xml::Zone& z) {
  if (z.routing == "Full") return s4u::create_full_zone(z.id);
  if (z.routing == "Floyd") return s4u::create_floyd_zone(z.id);
  if (z.routing == "Dijkstra") return s4u::create_dijkstra_zone(z.id, false);
  if (z.routing == "DijkstraCache") return s4u::create_dijkstra_zone(z.id, true);
  return s4u::create_empty_zone(z.id);
}

s4u::Link::SharingPolicy policy(xml::Sharing s) {
  switch (s) {
    case xml::Sharing::fatpipe: return s4u::Link::SharingPolicy::FATPIPE;
    case xml::Sharing::split_duplex: return s4u::Link::SharingPolicy::SPLITDUPLEX;
    case xml::Sharing::shared: break;
  }
  return s4u::Link::SharingPolicy::SHARED;
}

// What routes refer to by name, created so far: netpoints (hosts, routers, zones; gateways may
// sit in sub-zones) and links (a <link_ctn> may name any link declared before it). Names are
// global in SimGrid.
struct Names {
  std::unordered_map<std::string, NetPoint*> points;
  std::unordered_map<std::string, s4u::Link*> links;
};

NetPoint* point(const Names& names, const std::string& name, const xml::Zone& z) {
  auto it = names.points.find(name);
  if (it == names.points.end())
    throw std::invalid_argument(fmt::format("zone {}: a route names '{}', which is no host, router or zone", z.id, name));
  return it->second;
}

// Builds a zone bottom-up: its sub-zones are built detached, then attached before this zone's own
// links and routes. SimGrid checks every new link and host name against the whole tree below
// the root (a search through every zone: O(zones) per link, about 90 s for 16,384 GPUs); a
// zone not yet attached to the root is not searched, so the checks cost next to nothing. A
// detached zone takes the root's resource models (what set_parent would give it) to create
// hosts and links.
s4u::NetZone* build(const xml::Zone& z, s4u::NetZone* root, Names& names) {
  s4u::NetZone* zone = create_zone(z);
  if (root) {
    auto* impl = zone->get_impl();
    const auto* from = root->get_impl();
    impl->set_network_model(from->get_network_model());
    impl->set_cpu_pm_model(from->get_cpu_pm_model());
    impl->set_cpu_vm_model(from->get_cpu_vm_model());
    impl->set_disk_model(from->get_disk_model());
    impl->set_host_model(from->get_host_model());
  } else {
    root = zone;
  }
  for (const auto& [k, v] : z.props) zone->set_property(k, v);
  names.points.emplace(z.id, zone->get_netpoint());
  for (const xml::Host& h : z.hosts) {
    // The text the XML carries, parsed by the same unit parser.
    s4u::Host* host = zone->create_host(h.id, fmt::format("{:.12g}Gf", h.speed_flops / 1e9));
    for (const auto& [k, v] : h.props) host->set_property(k, v);
    host->seal();
    names.points.emplace(h.id, host->get_netpoint());
  }
  for (const std::string& r : z.routers) names.points.emplace(r, zone->create_router(r));
  std::vector<s4u::NetZone*> children;
  for (const xml::Zone& child : z.zones) children.push_back(build(child, root, names));
  for (s4u::NetZone* child : children) child->set_parent(zone);
  for (const xml::Link& l : z.links) {
    if (l.sharing == xml::Sharing::split_duplex)
      throw std::invalid_argument(fmt::format("link {}: split-duplex links must be expanded first", l.id));
    s4u::Link* link = zone->create_link(l.id, xml::bandwidth_text(l.bandwidth_Bps));
    for (const auto& [k, v] : l.props) link->set_property(k, v);
    link->set_sharing_policy(policy(l.sharing));
    link->set_latency(xml::latency_text(l.latency_s));
    link->seal();
    names.links.emplace(l.id, link);
  }
  for (const xml::Route& r : z.routes) {
    std::vector<s4u::LinkInRoute> hops;
    hops.reserve(r.hops.size());
    for (const xml::Hop& h : r.hops) {
      auto it = names.links.find(h.link);
      if (it == names.links.end())
        throw std::invalid_argument(fmt::format("zone {}: route {} -> {} names an unknown link '{}'", z.id, r.src, r.dst, h.link));
      hops.emplace_back(it->second, h.direction == xml::Direction::up     ? s4u::LinkInRoute::Direction::UP
                                    : h.direction == xml::Direction::down ? s4u::LinkInRoute::Direction::DOWN
                                                                          : s4u::LinkInRoute::Direction::NONE);
    }
    const bool zone_route = !r.gw_src.empty();
    zone->add_route(point(names, r.src, z), point(names, r.dst, z), zone_route ? point(names, r.gw_src, z) : nullptr,
                    zone_route ? point(names, r.gw_dst, z) : nullptr, hops, r.symmetrical);
  }
  return zone;  // sealed with the platform (Engine::seal_platform), as the XML parser leaves it
}

}  // namespace

bool buildable_through_s4u(const xml::Zone& root) {
  if (!known_routing(root.routing)) return false;
  for (const xml::Zone& child : root.zones)
    if (!buildable_through_s4u(child)) return false;
  return true;
}

simgrid::s4u::NetZone* build_s4u_platform(const xml::Zone& root) {
  Names names;
  return build(root, nullptr, names);
}

}  // namespace chimera
