#pragma once
// A Piz-Daint-like Cray XC machine: an Aries dragonfly built with SimGrid's DRAGONFLY cluster
// zone. Aries (Alverson et al., "Cray XC Series Network", 2012): one router per blade serving
// 4 nodes; 16 blades per chassis joined all-to-all by the backplane (rank-1, "green", one link
// per pair); 6 chassis per group (two cabinets) joined all-to-all between same-slot routers
// (rank-2, "black", 3 links per pair); groups joined by optical rank-3 ("blue") links. Rank-1/2
// links carry 5.25 GB/s per direction (3 lanes x 14 Gb/s), rank-3 links 4.7 GB/s.
// Piz Daint's XC50 partition: one 16 GB P100 per node (hosts carry <prop id="preset"
// value="p100"/>), 5,704 nodes = 15 groups of 384 node slots.
//
// SimGrid's dragonfly gives all links one bandwidth (parallel links multiply it) and routes
// minimally on one path; Aries routes adaptively over many paths. See platforms/README.md.
// Hosts "nid0".., document order = SimGrid's rank order (node, blade, chassis, group).
#include <string>

namespace chimera {

struct DragonflyParams {
  int groups = 15;
  int chassis_per_group = 6;
  int routers_per_chassis = 16;
  int nodes_per_router = 4;
  int green_links = 1;   // per router pair within a chassis
  int black_links = 3;   // per same-slot router pair between chassis of a group
  int blue_links = 61;   // per group pair (see README: 960 rank-3 ports over 14 peer groups at 4.7/5.25)
  double link_bandwidth_Bps = 5.25e9;
  double link_latency_s = 100e-9;
  std::string host_preset = "p100";
};

int dragonfly_hosts(const DragonflyParams& p);
std::string dragonfly_platform_xml(const DragonflyParams& p, const std::string& comment);

}  // namespace chimera
