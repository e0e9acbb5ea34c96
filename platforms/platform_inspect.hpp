#pragma once
// What a loaded platform holds, for `chimera-sim platform show` and `platform check`: hosts,
// links by role with their bandwidths, the route between two hosts and its bottleneck, and a
// list of problems (unreachable host pairs, links without bandwidth, ...).
#include <simgrid/s4u/Engine.hpp>
#include <simgrid/s4u/Host.hpp>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "platforms/platform_loader.hpp"

namespace chimera {

struct RouteHopInfo {
  std::string link;  // SimGrid's name ("gpu0-nvlink-up")
  std::string role;
  double bandwidth_Bps = 0;  // after payload efficiency
  double latency_s = 0;
};

struct RouteInfo {
  std::string src, dst;
  std::vector<RouteHopInfo> hops;
  double latency_s = 0;
  double bottleneck_Bps = 0;
  std::string bottleneck_link;
  // Closed form of a lone transfer under CM02: latency + bytes / bottleneck.
  double transfer_time_s(double bytes) const { return latency_s + bytes / bottleneck_Bps; }
};

RouteInfo route_between(const simgrid::s4u::Host* src, const simgrid::s4u::Host* dst);

// {"hosts": n, "links": n (SimGrid link resources: each direction of a split-duplex link counts,
// the loopback does not), "split_duplex_links": n, "routers": n, "roles": {role: {"links", "bandwidths_Bps",
// "latencies_s"}}, "presets": {preset: hosts}, "contention_links", "efficiency_links", "host_names" (first 16)}.
nlohmann::json platform_summary(simgrid::s4u::Engine& engine, const LoadedPlatform& loaded);
nlohmann::json route_json(const RouteInfo& r);

struct CheckReport {
  std::vector<std::string> problems;  // make `platform check` fail
  std::vector<std::string> warnings;  // printed, not fatal
};
// Routes are checked between every pair on platforms up to 64 hosts, else from and to host 0
// and between neighbours in document order.
CheckReport check_platform(simgrid::s4u::Engine& engine, const LoadedPlatform& loaded);

}  // namespace chimera
