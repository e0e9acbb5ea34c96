#pragma once
// SimGrid platform XML (DTD 4.1) as plain values, and a writer that prints them in the order
// the DTD demands: in a zone, either hosts, routers and links followed by routes, or sub-zones,
// then links, then zone routes (a zone with sub-zones cannot hold hosts or routers). Numbers
// are written so that they read back exactly; output is deterministic.
#include <string>
#include <utility>
#include <vector>

namespace chimera::xml {

enum class Sharing { shared, split_duplex, fatpipe };
enum class Direction { none, up, down };

// <prop id value> children, in the order given.
using Props = std::vector<std::pair<std::string, std::string>>;

struct Host {
  std::string id;
  double speed_flops = 1e9;  // compute durations come from the cost model, not from this speed
  Props props;
};

struct Link {
  std::string id;
  double bandwidth_Bps = 0;
  double latency_s = 0;
  Sharing sharing = Sharing::shared;
  Props props;
  Props down_props;  // split-duplex only: props of the DOWN half alone (a receiving port's contention)
};

struct Hop {
  std::string link;
  Direction direction = Direction::none;  // UP / DOWN for split-duplex links
};

// <route> between two netpoints of a zone, or <zoneRoute> (gateways set) between sub-zones.
struct Route {
  std::string src, dst;
  std::string gw_src, gw_dst;
  std::vector<Hop> hops;
  bool symmetrical = false;
};

struct Zone {
  std::string id;
  std::string routing = "Full";
  Props props;
  std::vector<Host> hosts;
  std::vector<std::string> routers;
  std::vector<Zone> zones;
  std::vector<Link> links;
  std::vector<Route> routes;
};

// "50GBps", "31.5GBps", "1.25e+11Bps": the largest SI unit that prints exactly.
std::string bandwidth_text(double Bps);
// "100ns", "0.5us", "1e-12s".
std::string latency_text(double s);
std::string escape(const std::string& text);

// The whole document: XML prolog, DOCTYPE, an optional comment (several lines allowed), and
// <platform version="4.1"> holding `root`. Split-duplex links are written as two one-way links
// "<id>-up" and "<id>-down" (each with the properties; routes name the right one), symmetrical
// routes through them as two explicit routes.
std::string write_platform(const Zone& root, const std::string& comment);
// The zone tree as write_platform prints it: split-duplex links as two one-way links, symmetrical
// routes through them as two routes (what platforms/s4u_platform.hpp builds from).
Zone expanded(const Zone& root);
// The same with a prepared body (e.g. a <cluster> element) instead of a zone.
std::string write_platform_body(const std::string& body, const std::string& comment);

}  // namespace chimera::xml
