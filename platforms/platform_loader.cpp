#include "platforms/platform_loader.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <stdexcept>

#include "common/input_error.hpp"

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

}  // namespace

LoadedPlatform load_platform(simgrid::s4u::Engine& engine, const PlatformSpec& spec, int ranks) {
  std::string where = spec.xml_file.empty() ? spec.description : spec.xml_file;
  const SourceLocation& origin = spec.origin;
  if (!spec.xml_file.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(spec.xml_file, ec))
      throw InputError(origin.file.empty() ? SourceLocation{spec.xml_file} : origin, "platform.file",
                       fmt::format("platform file '{}' not found", spec.xml_file),
                       "a SimGrid platform XML file");
    try {
      engine.load_platform(spec.xml_file);
    } catch (const std::exception& e) {
      throw InputError({spec.xml_file}, "platform", fmt::format("SimGrid rejected the platform: {}", e.what()),
                       "a SimGrid platform XML file (DTD 4.1)");
    }
  } else {
    TemporaryXml tmp(spec.generated_xml);
    try {
      engine.load_platform(tmp.path);
    } catch (const std::exception& e) {
      throw InputError({}, "platform", fmt::format("SimGrid rejected the generated platform {}: {}", where, e.what()));
    }
  }

  LoadedPlatform out;
  out.hosts_in_order = engine.get_all_hosts();
  // get_all_hosts() is sorted by name ("gpu10" before "gpu2"); creation order is document order.
  std::sort(out.hosts_in_order.begin(), out.hosts_in_order.end(), [](auto* a, auto* b) {
    return a->get_netpoint()->id() < b->get_netpoint()->id();
  });

  if (!spec.rank_hosts.empty()) {
    if (static_cast<int>(spec.rank_hosts.size()) < ranks)
      throw InputError(origin, "platform.hosts",
                       fmt::format("maps {} ranks to hosts but the scenario has {} ranks", spec.rank_hosts.size(), ranks),
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
                     fmt::format("the platform {} has {} hosts but the scenario needs {} ranks",
                                 where, out.hosts_in_order.size(), ranks),
                     fmt::format("a platform with at least {} hosts", ranks));
  out.rank_hosts.assign(out.hosts_in_order.begin(), out.hosts_in_order.begin() + ranks);
  return out;
}

}  // namespace chimera
