#include "platforms/platform_inspect.hpp"

#include <fmt/format.h>
#include <simgrid/s4u/Link.hpp>

#include <map>
#include <set>

#include "platforms/link_properties.hpp"

namespace chimera {
namespace {

namespace s4u = simgrid::s4u;

const std::set<std::string>& known_link_props() {
  static const std::set<std::string> k = {"role", "contention", "payload_efficiency"};
  return k;
}

}  // namespace

RouteInfo route_between(const s4u::Host* src, const s4u::Host* dst) {
  RouteInfo r;
  r.src = src->get_name();
  r.dst = dst->get_name();
  std::vector<s4u::Link*> links;
  double latency = 0;
  src->route_to(dst, links, &latency);
  r.latency_s = latency;
  for (s4u::Link* l : links) {
    r.hops.push_back({l->get_name(), link_role(l), l->get_bandwidth(), l->get_latency()});
    // A link listed twice in a route (host-memory staging) gives each crossing half its bandwidth.
    double share = l->get_bandwidth() / static_cast<double>(std::count(links.begin(), links.end(), l));
    if (r.bottleneck_link.empty() || share < r.bottleneck_Bps) {
      r.bottleneck_Bps = share;
      r.bottleneck_link = l->get_name();
    }
  }
  return r;
}

nlohmann::json route_json(const RouteInfo& r) {
  nlohmann::json hops = nlohmann::json::array();
  for (const auto& h : r.hops)
    hops.push_back({{"link", h.link}, {"role", h.role}, {"bandwidth_Bps", h.bandwidth_Bps}, {"latency_s", h.latency_s}});
  return {{"src", r.src},
          {"dst", r.dst},
          {"links", std::move(hops)},
          {"latency_s", r.latency_s},
          {"bottleneck_Bps", r.bottleneck_Bps},
          {"bottleneck_link", r.bottleneck_link}};
}

nlohmann::json platform_summary(s4u::Engine& engine, const LoadedPlatform& loaded) {
  struct RoleStats {
    int links = 0;
    std::set<double> bandwidths, latencies;
  };
  std::map<std::string, RoleStats> roles;
  std::set<std::string> split;
  int links = 0;
  for (s4u::Link* l : engine.get_all_links()) {
    if (l->get_name() == "__loopback__") continue;
    ++links;
    RoleStats& rs = roles[link_role(l)];
    rs.links++;
    rs.bandwidths.insert(l->get_bandwidth());
    rs.latencies.insert(l->get_latency());
    if (!link_direction(l).empty()) split.insert(link_parent_name(l));
  }
  nlohmann::json role_json = nlohmann::json::object();
  for (const auto& [name, rs] : roles)
    role_json[name] = {{"links", rs.links},
                       {"bandwidths_Bps", std::vector<double>(rs.bandwidths.begin(), rs.bandwidths.end())},
                       {"latencies_s", std::vector<double>(rs.latencies.begin(), rs.latencies.end())}};
  std::map<std::string, int> presets;
  nlohmann::json names = nlohmann::json::array();
  for (std::size_t i = 0; i < loaded.hosts_in_order.size(); ++i) {
    const s4u::Host* h = loaded.hosts_in_order[i];
    const char* p = h->get_property("preset");
    presets[p ? p : "(scenario's [compute] preset)"]++;
    if (i < 16) names.push_back(h->get_name());
  }
  std::size_t routers = 0;
  for (auto* np : engine.get_all_netpoints())
    if (np->is_router()) ++routers;
  return {{"hosts", loaded.hosts_in_order.size()},
          {"links", links},
          {"split_duplex_links", split.size()},
          {"routers", routers},
          {"roles", std::move(role_json)},
          {"presets", presets},
          {"contention_links", loaded.contention_links},
          {"efficiency_links", loaded.efficiency_links},
          {"host_names", std::move(names)}};
}

CheckReport check_platform(s4u::Engine& engine, const LoadedPlatform& loaded) {
  CheckReport rep;
  const auto& hosts = loaded.hosts_in_order;
  if (hosts.empty()) rep.problems.push_back("the platform has no hosts");

  int unlabelled = 0;
  std::set<std::string> unknown_props;
  for (s4u::Link* l : engine.get_all_links()) {
    if (l->get_name() == "__loopback__") continue;
    if (!(l->get_bandwidth() > 0))
      rep.problems.push_back(fmt::format("link '{}' has no bandwidth ({} B/s)", l->get_name(), l->get_bandwidth()));
    if (!link_property(l, "role") && link_role(l) == "other") ++unlabelled;
    s4u::Link* holder = l;
    if (!link_direction(l).empty()) holder = engine.split_duplex_link_by_name(link_parent_name(l));
    if (const auto* props = holder->get_properties())
      for (const auto& [k, v] : *props)
        if (!known_link_props().count(k)) unknown_props.insert(k);
  }
  if (unlabelled > 0)
    rep.warnings.push_back(fmt::format("{} links have no <prop id=\"role\">: per-link statistics count them as 'other'",
                                       unlabelled));
  for (const auto& k : unknown_props)
    rep.warnings.push_back(fmt::format("links carry <prop id=\"{}\">, which chimera-sim does not read", k));

  std::size_t with_preset = 0;
  for (const auto* h : hosts) with_preset += h->get_property("preset") != nullptr;
  if (with_preset > 0 && with_preset < hosts.size())
    rep.warnings.push_back(fmt::format("{} of {} hosts name a preset; the others take the scenario's [compute] preset",
                                       with_preset, hosts.size()));

  auto check_pair = [&](const s4u::Host* a, const s4u::Host* b) {
    if (a == b || rep.problems.size() > 20) return;
    try {
      RouteInfo r = route_between(a, b);
      if (r.hops.empty()) rep.problems.push_back(fmt::format("no link between {} and {}", r.src, r.dst));
    } catch (const std::exception& e) {
      rep.problems.push_back(fmt::format("no route from {} to {}: {}", a->get_name(), b->get_name(), e.what()));
    }
  };
  const std::size_t n = hosts.size();
  if (n <= 64) {
    for (std::size_t a = 0; a < n; ++a)
      for (std::size_t b = 0; b < n; ++b) check_pair(hosts[a], hosts[b]);
  } else {
    for (std::size_t i = 1; i < n; ++i) {
      check_pair(hosts[0], hosts[i]);
      check_pair(hosts[i], hosts[0]);
      check_pair(hosts[i - 1], hosts[i]);
    }
  }
  return rep;
}

}  // namespace chimera
