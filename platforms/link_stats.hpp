#pragma once
// Per-link statistics of a simulation: bytes and busy time per link and per role, the most
// loaded links first ("which link is the bottleneck"). Opt-in: a collector listens to SimGrid's
// signals only while it exists (at most one per process, as the engine), so a run without it
// pays nothing.
//
// For every finished communication the collector takes its source and destination hosts, looks
// the route up once per host pair (cached), and adds the payload bytes to every link of the
// route (twice for a link the route crosses twice). A link is busy while at least one flow
// transfers data through it: the flow's interval is [start + route latency, finish] (SimGrid
// pays the latency before the flow enters the bandwidth sharing). Busy time is the union of
// those intervals.
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace chimera {

struct LinkUsage {
  std::string link;  // SimGrid's name: "gpu3-nvlink-up"
  std::string role;
  double bandwidth_Bps = 0;  // after any payload efficiency
  double bytes = 0;          // payload bytes that crossed it
  double busy_s = 0;         // time with at least one flow transferring
  std::uint64_t flows = 0;
  // Mean use of the capacity while busy: bytes / (busy x bandwidth), in [0, 1].
  double utilization() const { return busy_s > 0 && bandwidth_Bps > 0 ? bytes / (busy_s * bandwidth_Bps) : 0; }
};

struct RoleUsage {
  std::string role;
  int links_used = 0;
  double bytes = 0;
  double busy_s = 0;      // summed over the role's links
  double max_busy_s = 0;  // of its busiest link
  std::string busiest_link;
};

struct LinkStats {
  std::vector<LinkUsage> links;  // links that carried data: busiest first, then most bytes, then name
  std::vector<RoleUsage> roles;  // by bytes, most first
  std::uint64_t communications = 0;
  std::uint64_t routes_looked_up = 0;  // distinct host pairs
};

class LinkStatsCollector {
 public:
  LinkStatsCollector();  // starts listening (throws std::logic_error if another one is alive)
  ~LinkStatsCollector();
  LinkStatsCollector(const LinkStatsCollector&) = delete;
  LinkStatsCollector& operator=(const LinkStatsCollector&) = delete;

  LinkStats result() const;

  struct State;

 private:
  std::unique_ptr<State> state_;
};

// {"links": [...], "roles": [...], "communications", "routes_looked_up"}; `max_links` caps the
// link list (0 = all).
nlohmann::json link_stats_json(const LinkStats& s, std::size_t max_links = 0);
// A table of the `top` busiest links and the roles, for text reports, from link_stats_json's
// output; `makespan_s` turns busy times into shares of the run.
std::string link_stats_text(const nlohmann::json& stats, double makespan_s, std::size_t top = 10);

}  // namespace chimera
