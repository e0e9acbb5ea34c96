#include "platforms/flat_topology.hpp"

#include <set>
#include <stdexcept>

namespace chimera {

const std::string& FlatTopology::add_link(FlatLink l) {
  links.push_back(std::move(l));
  return links.back().link.id;
}

xml::Zone flow_zone(const FlatTopology& t, const std::string& id) {
  xml::Zone z;
  z.id = id;
  z.routing = "Full";
  z.hosts = t.hosts;
  // Routers appear only when a route names them (gateways of a multi-node cluster).
  std::set<std::string> named;
  for (const auto& r : t.routes) named.insert(r.src), named.insert(r.dst);
  for (const auto& r : t.routers)
    if (named.count(r)) z.routers.push_back(r);
  for (const auto& l : t.links) z.links.push_back(l.link);
  z.routes = t.routes;
  return z;
}

xml::Zone ns3_zone(const FlatTopology& t, const std::string& id) {
  xml::Zone z;
  z.id = id;
  z.routing = "Floyd";
  z.hosts = t.hosts;
  z.routers = t.routers;
  // SimGrid keeps one route per pair of points. A second link between the same two points
  // (the + and - channels of a k = 2 torus ring) is left out: flow-level routes take the +
  // channel at that tie too, so both models see the same capacity.
  std::set<std::pair<std::string, std::string>> joined;
  for (const auto& fl : t.links) {
    if (fl.from.empty() || fl.to.empty())
      throw std::logic_error("link " + fl.link.id + " joins no two points: it has no ns-3 form");
    if (joined.count({fl.from, fl.to})) continue;
    joined.insert({fl.from, fl.to});
    if (!fl.one_way) joined.insert({fl.to, fl.from});
    xml::Link l = fl.link;
    // ns-3 point-to-point links are full duplex by themselves.
    if (l.sharing != xml::Sharing::shared) l.sharing = xml::Sharing::shared;
    z.links.push_back(l);
    xml::Route r;
    r.src = fl.from;
    r.dst = fl.to;
    r.hops = {through(l.id)};
    r.symmetrical = !fl.one_way;
    z.routes.push_back(std::move(r));
  }
  return z;
}

}  // namespace chimera
