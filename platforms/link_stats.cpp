#include "platforms/link_stats.hpp"

#include <fmt/format.h>
#include <simgrid/s4u/Comm.hpp>
#include <simgrid/s4u/Host.hpp>
#include <simgrid/s4u/Link.hpp>

#include <algorithm>
#include <map>
#include <stdexcept>
#include <unordered_map>

#include "common/units.hpp"
#include "platforms/link_properties.hpp"

namespace chimera {
namespace {

namespace s4u = simgrid::s4u;

struct HostPairHash {
  std::size_t operator()(const std::pair<const s4u::Host*, const s4u::Host*>& p) const {
    return std::hash<const void*>()(p.first) * 31 + std::hash<const void*>()(p.second);
  }
};

}  // namespace

struct LinkStatsCollector::State {
  struct Slot {
    s4u::Link* link = nullptr;
    double bytes = 0;
    std::uint64_t flows = 0;
    std::vector<std::pair<double, double>> intervals;
    std::size_t merged = 0;  // size after the last merge
  };
  struct Route {
    std::vector<int> slots;
    double latency_s = 0;
  };
  std::unordered_map<const s4u::Comm*, double> pending_bytes;  // sender side, from on_send to completion
  std::unordered_map<std::pair<const s4u::Host*, const s4u::Host*>, Route, HostPairHash> routes;
  std::unordered_map<s4u::Link*, int> slot_of;
  std::vector<Slot> slots;
  std::uint64_t communications = 0;

  const Route& route(const s4u::Host* src, const s4u::Host* dst) {
    auto key = std::make_pair(src, dst);
    auto it = routes.find(key);
    if (it != routes.end()) return it->second;
    std::vector<s4u::Link*> links;
    Route r;
    src->route_to(dst, links, &r.latency_s);
    for (s4u::Link* l : links) {
      auto [pos, inserted] = slot_of.emplace(l, static_cast<int>(slots.size()));
      if (inserted) slots.push_back(Slot{l});
      r.slots.push_back(pos->second);
    }
    return routes.emplace(key, std::move(r)).first->second;
  }

  // Sorts and merges a link's intervals; amortised so that memory follows the busy periods,
  // not the number of flows.
  static void merge(Slot& s) {
    auto& v = s.intervals;
    std::sort(v.begin(), v.end());
    std::size_t out = 0;
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (out > 0 && v[i].first <= v[out - 1].second) v[out - 1].second = std::max(v[out - 1].second, v[i].second);
      else v[out++] = v[i];
    }
    v.resize(out);
    s.merged = out;
  }

  void record(const s4u::Comm& c, double bytes) {
    const s4u::Host* src = c.get_source();
    const s4u::Host* dst = c.get_destination();
    if (!src || !dst || src == dst) return;
    ++communications;
    const Route& r = route(src, dst);
    const double begin = c.get_start_time() + r.latency_s, end = c.get_finish_time();
    for (int i : r.slots) {
      Slot& s = slots[i];
      s.bytes += bytes;
      s.flows++;
      if (end > begin) {
        s.intervals.emplace_back(begin, end);
        if (s.intervals.size() > 2 * s.merged + 256) merge(s);
      }
    }
  }
};

namespace {

LinkStatsCollector::State* g_active = nullptr;

void connect_signals_once() {
  static bool connected = false;
  if (connected) return;
  connected = true;
  s4u::Comm::on_send_cb([](const s4u::Comm& c) {
    if (g_active) g_active->pending_bytes[&c] = c.get_remaining();  // the payload size, before the start
  });
  s4u::Activity::on_completion_cb([](const s4u::Activity& a) {
    if (!g_active) return;
    const auto* c = dynamic_cast<const s4u::Comm*>(&a);
    if (!c) return;
    auto it = g_active->pending_bytes.find(c);
    if (it == g_active->pending_bytes.end()) return;  // the receiver's side of a transfer
    double bytes = it->second;
    g_active->pending_bytes.erase(it);
    if (c->get_state() == s4u::Activity::State::FINISHED) g_active->record(*c, bytes);
  });
}

}  // namespace

LinkStatsCollector::LinkStatsCollector() : state_(std::make_unique<State>()) {
  if (g_active) throw std::logic_error("one link statistics collector at a time");
  connect_signals_once();
  g_active = state_.get();
}

LinkStatsCollector::~LinkStatsCollector() {
  if (g_active == state_.get()) g_active = nullptr;
}

LinkStats LinkStatsCollector::result() const {
  LinkStats out;
  out.communications = state_->communications;
  out.routes_looked_up = state_->routes.size();
  std::map<std::string, RoleUsage> roles;
  for (auto& s : state_->slots) {
    if (s.flows == 0) continue;
    State::merge(s);
    LinkUsage u;
    u.link = s.link->get_name();
    u.role = link_role(s.link);
    u.bandwidth_Bps = s.link->get_bandwidth();
    u.bytes = s.bytes;
    u.flows = s.flows;
    for (const auto& [b, e] : s.intervals) u.busy_s += e - b;
    RoleUsage& r = roles[u.role];
    r.role = u.role;
    r.links_used++;
    r.bytes += u.bytes;
    r.busy_s += u.busy_s;
    if (u.busy_s > r.max_busy_s || r.busiest_link.empty()) r.max_busy_s = u.busy_s, r.busiest_link = u.link;
    out.links.push_back(std::move(u));
  }
  std::sort(out.links.begin(), out.links.end(), [](const LinkUsage& a, const LinkUsage& b) {
    if (a.busy_s != b.busy_s) return a.busy_s > b.busy_s;
    if (a.bytes != b.bytes) return a.bytes > b.bytes;
    return a.link < b.link;
  });
  for (auto& [name, r] : roles) out.roles.push_back(r);
  std::stable_sort(out.roles.begin(), out.roles.end(), [](const RoleUsage& a, const RoleUsage& b) { return a.bytes > b.bytes; });
  return out;
}

nlohmann::json link_stats_json(const LinkStats& s, std::size_t max_links) {
  nlohmann::json links = nlohmann::json::array();
  for (std::size_t i = 0; i < s.links.size() && (max_links == 0 || i < max_links); ++i) {
    const LinkUsage& u = s.links[i];
    links.push_back({{"link", u.link},
                     {"role", u.role},
                     {"bandwidth_Bps", u.bandwidth_Bps},
                     {"bytes", u.bytes},
                     {"busy_s", u.busy_s},
                     {"flows", u.flows},
                     {"utilization", u.utilization()}});
  }
  nlohmann::json roles = nlohmann::json::array();
  for (const RoleUsage& r : s.roles)
    roles.push_back({{"role", r.role},
                     {"links_used", r.links_used},
                     {"bytes", r.bytes},
                     {"busy_s", r.busy_s},
                     {"max_busy_s", r.max_busy_s},
                     {"busiest_link", r.busiest_link}});
  return {{"links", std::move(links)},
          {"links_used", s.links.size()},
          {"roles", std::move(roles)},
          {"communications", s.communications},
          {"routes_looked_up", s.routes_looked_up}};
}

std::string link_stats_text(const nlohmann::json& j, double makespan_s, std::size_t top) {
  const auto& links = j["links"];
  const std::size_t used = j["links_used"].get<std::size_t>();
  std::string out = fmt::format("links: {} carried data, {} communications; busiest first\n", used,
                                j["communications"].get<std::uint64_t>());
  out += fmt::format("  {:<32} {:<14} {:>12} {:>12} {:>7} {:>6}\n", "link", "role", "bytes", "busy", "of run", "util");
  for (std::size_t i = 0; i < links.size() && i < top; ++i) {
    const auto& u = links[i];
    const double busy = u["busy_s"].get<double>();
    out += fmt::format("  {:<32} {:<14} {:>12} {:>12} {:>6.1f}% {:>5.0f}%\n", u["link"].get<std::string>(),
                       u["role"].get<std::string>(), format_bytes(u["bytes"].get<double>()), format_duration(busy),
                       makespan_s > 0 ? 100 * busy / makespan_s : 0.0, 100 * u["utilization"].get<double>());
  }
  if (used > top) out += fmt::format("  ({} more links)\n", used - top);
  out += fmt::format("  {:<32} {:>6} {:>12} {:>12}  {}\n", "role", "links", "bytes", "max busy", "busiest link");
  for (const auto& r : j["roles"])
    out += fmt::format("  {:<32} {:>6} {:>12} {:>12}  {}\n", r["role"].get<std::string>(), r["links_used"].get<int>(),
                       format_bytes(r["bytes"].get<double>()), format_duration(r["max_busy_s"].get<double>()),
                       r["busiest_link"].get<std::string>());
  return out;
}

}  // namespace chimera
