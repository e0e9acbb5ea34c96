#include "platforms/platform_loader.hpp"

#include <fmt/format.h>
#include <simgrid/kernel/routing/NetZoneImpl.hpp>
#include <sys/wait.h>
#include <unistd.h>
#include <xbt/config.hpp>
#include <xbt/log.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <unordered_set>

#include "common/input_error.hpp"
#include "platforms/engine_log.hpp"
#include "platforms/ns3_tuning.hpp"
#include "platforms/platform_properties.hpp"
#include "platforms/s4u_platform.hpp"

XBT_LOG_NEW_DEFAULT_SUBCATEGORY(chimera_platforms, chimera,
                                "Platforms: files loaded, preflight, hosts, presets and link properties applied, rank mapping");

namespace chimera {
namespace {

// SimGrid only loads files: generated XML goes through a temporary file, removed at once.
struct TemporaryXml {
  std::string path;
  explicit TemporaryXml(const std::string& xml) {
    char name[] = "/tmp/chimera-platform-XXXXXX";
    int fd = mkstemp(name);
    if (fd < 0) throw std::runtime_error("cannot create a temporary platform file");
    path = name;
    std::FILE* f = fdopen(fd, "w");
    std::fwrite(xml.data(), 1, xml.size(), f);
    std::fclose(f);
  }
  ~TemporaryXml() { std::remove(path.c_str()); }
};

// What SimGrid signals while one platform loads, recorded for that load only: the hosts in
// creation order (document order; a netpoint's id only orders the hosts of one zone) and the
// first route of more than one link (ns-3 ignores those). Route creation is connected for the
// load and disconnected after; Host::on_creation can only be connected for good (SimGrid 3.32
// hands out no slot id), so its one process-wide slot forwards to the load in progress, if any.
class LoadWatch {
 public:
  explicit LoadWatch(std::vector<simgrid::s4u::Host*>& hosts) : hosts_(hosts) {
    static bool host_slot_connected = false;
    if (!host_slot_connected) {
      simgrid::s4u::Host::on_creation_cb([](simgrid::s4u::Host& h) {
        if (active_) active_->hosts_.push_back(&h);
      });
      host_slot_connected = true;
    }
    active_ = this;
    route_slot_ = simgrid::kernel::routing::NetZoneImpl::on_route_creation.connect(
        [this](bool, simgrid::kernel::routing::NetPoint* src, simgrid::kernel::routing::NetPoint* dst,
               simgrid::kernel::routing::NetPoint*, simgrid::kernel::routing::NetPoint*,
               std::vector<simgrid::kernel::resource::StandardLinkImpl*> const& links) {
          if (links.size() > 1 && !long_route.seen) long_route = {true, src->get_name(), dst->get_name(), links.size()};
        });
  }
  ~LoadWatch() {
    active_ = nullptr;
    simgrid::kernel::routing::NetZoneImpl::on_route_creation.disconnect(route_slot_);
  }
  LoadWatch(const LoadWatch&) = delete;
  LoadWatch& operator=(const LoadWatch&) = delete;

  struct LongRoute {
    bool seen = false;
    std::string src, dst;
    std::size_t links = 0;
  } long_route;

 private:
  static inline LoadWatch* active_ = nullptr;
  std::vector<simgrid::s4u::Host*>& hosts_;
  unsigned route_slot_ = 0;
};

// SimGrid's fatal messages look like "[0.000000] ./src/x.cpp:65: [root/CRITICAL] what": keep `what`.
std::string simgrid_message(const std::string& captured) {
  std::string best;
  std::size_t start = 0;
  while (start < captured.size()) {
    std::size_t end = captured.find('\n', start);
    if (end == std::string::npos) end = captured.size();
    std::string line = captured.substr(start, end - start);
    start = end + 1;
    for (const char* tag : {"CRITICAL] ", "ERROR] "}) {
      auto p = line.find(tag);
      if (p != std::string::npos) {
        std::string what = line.substr(p + std::string(tag).size());
        if (what.rfind("Exiting now", 0) != 0 && what.rfind("Backtrace", 0) != 0 && best.empty()) best = what;
      }
    }
    if (best.empty() && line.rfind("EXCEPTION ", 0) == 0) best = line.substr(10);
  }
  return best.empty() ? "SimGrid stopped while loading it" : best;
}

constexpr std::uintmax_t kPreflightMaxBytes = 4u << 20;

}  // namespace

std::string preflight_platform_file(simgrid::s4u::Engine& engine, const std::string& xml_file) {
  int fds[2];
  if (pipe(fds) != 0) return "";
  std::fflush(stdout);
  std::fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return "";  // cannot check in a child: the real load reports what it can
  }
  if (pid == 0) {
    close(fds[0]);
    dup2(fds[1], 2);  // SimGrid's fatal messages go to stderr
    forward_engine_log_to_stderr();
    std::signal(SIGABRT, SIG_DFL);  // an abort here is the answer, not chimera-sim's internal error
    try {
      engine.load_platform(xml_file);
      engine.seal_platform();
    } catch (const std::exception& e) {
      std::string msg = std::string("EXCEPTION ") + e.what() + "\n";
      (void)!write(2, msg.data(), msg.size());
      _exit(2);
    }
    _exit(0);
  }
  close(fds[1]);
  std::string captured;
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) captured.append(buf, static_cast<std::size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return "";
  return simgrid_message(captured);
}

LoadedPlatform load_platform(simgrid::s4u::Engine& engine, const PlatformSpec& spec, int ranks) {
  NetworkSettings network;
  auto model = parse_network_model(simgrid::config::get_value<std::string>("network/model"));
  if (model) network.model = *model;
  return load_platform(engine, spec, ranks, network);
}

void seal_loaded_platform(simgrid::s4u::Engine& engine, const PlatformSpec& spec, const NetworkSettings& network) {
  const std::string where = spec.xml_file.empty() ? spec.description : spec.xml_file;
  // Floyd and Dijkstra zones compute their routes when sealed; SimGrid would seal at run(), but
  // routes are read before (platform show, link checks).
  try {
    engine.seal_platform();
  } catch (const std::exception& e) {
    throw InputError(spec.xml_file.empty() ? SourceLocation{} : SourceLocation{spec.xml_file}, "platform " + where,
                     fmt::format("SimGrid rejected the platform: {}", e.what()), "a SimGrid platform XML file (DTD 4.1)");
  }
  if (network.model == NetworkModel::NS3) tune_ns3_after_load();
}

LoadedPlatform load_platform(simgrid::s4u::Engine& engine, const PlatformSpec& spec, int ranks,
                             const NetworkSettings& network, bool seal) {
  const std::string where = spec.xml_file.empty() ? spec.description : spec.xml_file;
  const SourceLocation& origin = spec.origin;
  const bool ns3 = network.model == NetworkModel::NS3;
  if (ns3) tune_ns3_before_load();
  LoadedPlatform out;
  std::optional<LoadWatch> watch(std::in_place, out.hosts_in_order);
  if (!spec.xml_file.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(spec.xml_file, ec))
      throw InputError(origin.file.empty() ? SourceLocation{spec.xml_file} : origin, "platform.file",
                       fmt::format("platform file '{}' not found", spec.xml_file), "a SimGrid platform XML file");
    // Loading twice costs little for a board or a rack; a 16,384-GPU cluster file takes tens of
    // seconds to parse, and is most likely generated (so valid): no preflight above 4 MB.
    const auto size = std::filesystem::file_size(spec.xml_file, ec);
    std::string problem = !ec && size > kPreflightMaxBytes ? "" : preflight_platform_file(engine, spec.xml_file);
    if (!problem.empty())
      throw InputError({spec.xml_file}, "platform", fmt::format("SimGrid rejected the platform: {}", problem),
                       "a SimGrid platform XML file (DTD 4.1)");
    try {
      engine.load_platform(spec.xml_file);
    } catch (const std::exception& e) {
      throw InputError({spec.xml_file}, "platform", fmt::format("SimGrid rejected the platform: {}", e.what()),
                       "a SimGrid platform XML file (DTD 4.1)");
    }
  } else if (spec.generated_zone && !ns3 && buildable_through_s4u(*spec.generated_zone)) {
    try {
      build_s4u_platform(*spec.generated_zone);
    } catch (const std::exception& e) {
      throw InputError({}, "platform", fmt::format("SimGrid rejected the generated platform {}: {}", where, e.what()));
    }
  } else {
    TemporaryXml tmp(spec.generated_xml);
    try {
      engine.load_platform(tmp.path);
    } catch (const std::exception& e) {
      throw InputError({}, "platform", fmt::format("SimGrid rejected the generated platform {}: {}", where, e.what()));
    }
  }
  const LoadWatch::LongRoute long_route = watch->long_route;
  watch.reset();  // hosts and routes declared by the platform itself, nothing later

  if (ns3) {
    if (long_route.seen)
      throw InputError(spec.xml_file.empty() ? SourceLocation{} : SourceLocation{spec.xml_file}, "platform " + where,
                       fmt::format("cannot run under ns-3: the route {} -> {} has {} links, and SimGrid's ns-3 binding "
                                   "ignores every route of more than one link",
                                   long_route.src, long_route.dst, long_route.links),
                       "a flow-level model (CM02, LV08), or the platform's ns-3 variant "
                       "(chimera-sim platform gen KIND --ns3: hosts and routers joined by one-link routes)");
    check_ns3_zones(engine, spec.xml_file, where);
  }
  if (seal) seal_loaded_platform(engine, spec, network);

  {
    // SimGrid signals a host's creation again when its zone is sealed: keep first occurrences.
    std::unordered_set<const simgrid::s4u::Host*> seen;
    auto& v = out.hosts_in_order;
    v.erase(std::remove_if(v.begin(), v.end(), [&](const simgrid::s4u::Host* h) { return !seen.insert(h).second; }),
            v.end());
  }
  if (out.hosts_in_order.size() != engine.get_host_count())  // hosts created some other way: by name
    out.hosts_in_order = engine.get_all_hosts();
  apply_host_presets(out.hosts_in_order, spec.xml_file, where);
  PropertyCounts counts = apply_link_properties(engine, network, spec.xml_file, where);
  out.contention_links = counts.contention_links;
  out.efficiency_links = counts.efficiency_links;
  XBT_VERB("loaded %s: %zu hosts, %zu links, %d with a contention curve, %d with a payload efficiency", where.c_str(),
           out.hosts_in_order.size(), engine.get_link_count(), out.contention_links, out.efficiency_links);

  if (ranks <= 0) return out;
  if (!spec.rank_hosts.empty()) {
    if (static_cast<int>(spec.rank_hosts.size()) < ranks)
      throw InputError(origin, "platform.hosts",
                       fmt::format("maps {} ranks to hosts but the run has {} ranks", spec.rank_hosts.size(), ranks),
                       fmt::format("a list of {} host names", ranks));
    for (int r = 0; r < ranks; ++r) {
      auto* h = engine.host_by_name_or_null(spec.rank_hosts[r]);
      if (!h)
        throw InputError(origin, "platform.hosts",
                         fmt::format("host '{}' (rank {}) is not in the platform", spec.rank_hosts[r], r),
                         fmt::format("host names of the platform, e.g. '{}'",
                                     out.hosts_in_order.empty() ? "" : out.hosts_in_order.front()->get_name()));
      out.rank_hosts.push_back(h);
    }
    return out;
  }
  if (static_cast<int>(out.hosts_in_order.size()) < ranks)
    throw InputError(origin, "platform",
                     fmt::format("the platform {} has {} hosts but the run needs {} ranks", where,
                                 out.hosts_in_order.size(), ranks),
                     fmt::format("a platform with at least {} hosts", ranks));
  out.rank_hosts.assign(out.hosts_in_order.begin(), out.hosts_in_order.begin() + ranks);
  for (int r = 0; r < ranks; ++r) XBT_VERB("rank %d -> host %s", r, out.rank_hosts[r]->get_cname());
  return out;
}

}  // namespace chimera
