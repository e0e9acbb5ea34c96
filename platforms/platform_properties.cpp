#include "platforms/platform_properties.hpp"

#include <fmt/format.h>
#include <simgrid/kernel/routing/ClusterZone.hpp>
#include <simgrid/kernel/routing/DragonflyZone.hpp>
#include <simgrid/s4u/Link.hpp>
#include <simgrid/s4u/NetZone.hpp>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <map>

#include "common/input_error.hpp"
#include "compute/hardware_preset.hpp"
#include "platforms/contention.hpp"
#include "platforms/link_properties.hpp"
#include "platforms/link_roles.hpp"

namespace chimera {
namespace {

namespace fs = std::filesystem;
namespace s4u = simgrid::s4u;

SourceLocation locate(const std::string& xml_file, const std::string& id) {
  if (xml_file.empty()) return {};
  return {xml_file, line_of_element(xml_file, id)};
}

// "host 'gpu3' preset"; for generated platforms (no file to point at) prefixed with the platform.
std::string element_key(const std::string& xml_file, const std::string& where, const char* element,
                        const std::string& id, const std::string& key) {
  std::string k = fmt::format("{} '{}' {}", element, id, key);
  return xml_file.empty() ? fmt::format("platform {}: {}", where, k) : k;
}

std::string preset_choices() {
  std::string s;
  for (const auto& n : hardware_preset_names()) s += (s.empty() ? "" : ", ") + n;
  return s + ", or a path to a preset TOML file";
}

const char* zone_preset(const s4u::NetZone* z) {
  // get_parent() must not be called on the root zone (SimGrid 3.32 dereferences its null parent).
  const s4u::NetZone* root = s4u::Engine::get_instance()->get_netzone_root();
  for (; z; z = z == root ? nullptr : z->get_parent())
    if (const char* v = z->get_property("preset")) return v;
  return nullptr;
}

}  // namespace

int line_of_element(const std::string& xml_file, const std::string& id) {
  std::ifstream in(xml_file);
  std::string line, needle = "id=\"" + id + "\"";
  for (int n = 1; std::getline(in, line); ++n)
    if (line.find(needle) != std::string::npos) return n;
  return 0;
}

void apply_host_presets(const std::vector<s4u::Host*>& hosts, const std::string& xml_file, const std::string& where) {
  const auto names = hardware_preset_names();
  std::map<std::string, std::string> checked;  // value as written -> resolved
  for (s4u::Host* h : hosts) {
    const char* own = h->get_property("preset");
    const char* value = own ? own : zone_preset(h->get_englobing_zone());
    if (!value) continue;
    auto it = checked.find(value);
    if (it == checked.end()) {
      std::string v = value, resolved = v;
      if (std::find(names.begin(), names.end(), v) == names.end()) {
        bool path = v.find('/') != std::string::npos || v.find(".toml") != std::string::npos;
        if (!path)
          throw InputError(locate(xml_file, h->get_name()), element_key(xml_file, where, "host", h->get_name(), "preset"),
                           fmt::format("unknown hardware preset '{}'", v), preset_choices());
        if (!xml_file.empty() && fs::path(v).is_relative())
          resolved = (fs::path(xml_file).parent_path() / v).lexically_normal().string();
        try {
          (void)load_hardware_preset(resolved);
        } catch (const InputError& e) {
          throw InputError(locate(xml_file, h->get_name()), element_key(xml_file, where, "host", h->get_name(), "preset"),
                           fmt::format("preset file '{}': {}", resolved, e.what()), preset_choices());
        }
      }
      it = checked.emplace(v, resolved).first;
    }
    if (!own || it->second != own) h->set_property("preset", it->second);
  }
}

PropertyCounts apply_link_properties(s4u::Engine& engine, const NetworkSettings& network, const std::string& xml_file,
                                     const std::string& where) {
  PropertyCounts counts;
  const bool ns3 = network.model == NetworkModel::NS3;
  std::map<std::string, ContentionCurve> curves;  // by text: links of one board share it
  for (s4u::Link* link : engine.get_all_links()) {
    if (link->get_name() == "__loopback__") continue;
    const std::string parent = link_parent_name(link);
    auto error = [&](const std::string& key, std::string problem, std::string valid) {
      return InputError(locate(xml_file, parent), element_key(xml_file, where, "link", parent, key), std::move(problem),
                        std::move(valid));
    };
    if (const char* role = link_property(link, "role"); role && !is_link_role(role))
      throw error("role", fmt::format("unknown role '{}'", role), link_role_choices());

    if (const char* text = link_property(link, "contention")) {
      if (ns3)
        throw error("contention", "ns-3 cannot apply a contention curve (non-linear sharing is flow-level only)",
                    "a flow-level model (CM02, LV08), or a platform without contention props");
      auto it = curves.find(text);
      if (it == curves.end()) {
        std::string problem;
        auto c = parse_contention(text, problem);
        if (!c) throw error("contention", problem, "efficiencies in (0, 1] for 1, 2, 3, ... flows, e.g. 1,0.9,0.8");
        it = curves.emplace(text, *c).first;
      }
      ContentionCurve curve = it->second;
      link->set_sharing_policy(s4u::Link::SharingPolicy::NONLINEAR,
                               [curve](double capacity, int flows) { return capacity * curve.at(flows); });
      counts.contention_links++;
    }

    double efficiency = network.payload_efficiency;
    if (const char* text = link_property(link, "payload_efficiency")) {
      std::string_view s = text;
      double v = 0;
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      if (ec != std::errc() || p != s.data() + s.size() || !(v > 0 && v <= 1))
        throw error("payload_efficiency", fmt::format("'{}' is not a number in (0, 1]", text), "e.g. 0.7314");
      efficiency = v;
    }
    if (efficiency != 1.0) {
      if (ns3)
        throw error("payload_efficiency", "ns-3 models packet headers itself; a payload efficiency is flow-level only",
                    "payload_efficiency = 1 under ns-3");
      link->set_bandwidth(link->get_bandwidth() * efficiency);
      counts.efficiency_links++;
    }
  }
  return counts;
}

void check_ns3_zones(s4u::Engine& engine, const std::string& xml_file, const std::string& where) {
  std::vector<s4u::NetZone*> todo = {engine.get_netzone_root()};
  while (!todo.empty()) {
    s4u::NetZone* z = todo.back();
    todo.pop_back();
    auto* impl = z->get_impl();
    // Only the torus, fat-tree and dragonfly clusters derive from ClusterZone in SimGrid 3.32 (a
    // flat <cluster> is a StarZone); the typeinfo of the first two is not exported.
    const char* kind = dynamic_cast<simgrid::kernel::routing::DragonflyZone*>(impl) ? "dragonfly"
                       : dynamic_cast<simgrid::kernel::routing::ClusterZone*>(impl) ? "torus or fat-tree"
                                                                                    : nullptr;
    if (kind)
      throw InputError(locate(xml_file, z->get_name()), fmt::format("platform {}", where),
                       fmt::format("zone '{}' is a SimGrid {} cluster, whose routes SimGrid computes on the fly; "
                                   "ns-3 only sees routes of one link declared in the file",
                                   z->get_name(), kind),
                       "a flow-level model (CM02, LV08), or a platform of hosts and routers joined by one-link "
                       "routes (chimera-sim platform gen KIND --ns3)");
    for (auto* c : z->get_children()) todo.push_back(c);
  }
}

}  // namespace chimera
