#pragma once
// A physical topology in one zone: hosts, routers (switches, root complexes), links that join
// two named points, and explicit host-to-host routes. Generators build one; it is written
// either for the flow-level models (a Full zone listing every route, so routing is exactly what
// the generator chose, e.g. dimension-ordered) or for ns-3, whose SimGrid binding only takes
// routes of one link: then every link becomes a one-link route between its two end points in a
// Floyd zone and ns-3 routes packets itself (shortest paths).
#include <string>
#include <vector>

#include "platforms/xml_platform.hpp"

namespace chimera {

struct FlatLink {
  xml::Link link;
  // End points (host or router ids). A split-duplex link's UP direction goes from -> to; a
  // shared or fat-pipe link carries both directions; a one-way channel is a shared link used
  // only from -> to (`one_way`).
  std::string from, to;
  bool one_way = false;
};

struct FlatTopology {
  std::vector<xml::Host> hosts;  // document order = rank order
  std::vector<std::string> routers;
  std::vector<FlatLink> links;
  std::vector<xml::Route> routes;  // host -> host (ordered pairs), or host -> router gateways

  // Adds a link and returns its id.
  const std::string& add_link(FlatLink l);
};

// Full zone with the explicit routes (routers are left out: no route names them).
xml::Zone flow_zone(const FlatTopology& t, const std::string& id);
// Floyd zone for ns-3: hosts, routers, and one route of one link per link.
xml::Zone ns3_zone(const FlatTopology& t, const std::string& id);

// Hop helpers for routes.
inline xml::Hop up(const std::string& link) { return {link, xml::Direction::up}; }
inline xml::Hop down(const std::string& link) { return {link, xml::Direction::down}; }
inline xml::Hop through(const std::string& link) { return {link, xml::Direction::none}; }

}  // namespace chimera
