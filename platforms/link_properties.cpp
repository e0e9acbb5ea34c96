#include "platforms/link_properties.hpp"

#include <simgrid/s4u/Engine.hpp>

#include <unordered_map>

#include "platforms/link_roles.hpp"

namespace chimera {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() > suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// SimGrid finds a split-duplex link by searching every zone: remember each answer (one engine
// per process, links live as long as it).
const simgrid::s4u::Link* split_parent(const simgrid::s4u::Link* link) {
  static std::unordered_map<const simgrid::s4u::Link*, const simgrid::s4u::Link*> parents;
  const std::string& name = link->get_name();
  std::string base;
  if (ends_with(name, "_UP")) base = name.substr(0, name.size() - 3);
  else if (ends_with(name, "_DOWN")) base = name.substr(0, name.size() - 5);
  else return nullptr;
  auto it = parents.find(link);
  if (it != parents.end()) return it->second;
  const simgrid::s4u::Link* parent = nullptr;
  try {
    parent = simgrid::s4u::Engine::get_instance()->split_duplex_link_by_name(base);
  } catch (const std::exception&) {
    // a plain link whose name happens to end in _UP
  }
  parents.emplace(link, parent);
  return parent;
}

}  // namespace

const char* link_property(const simgrid::s4u::Link* link, const std::string& key) {
  if (const char* v = link->get_property(key)) return v;
  if (const auto* parent = split_parent(link)) return parent->get_property(key);
  return nullptr;
}

std::string link_parent_name(const simgrid::s4u::Link* link) {
  if (const auto* parent = split_parent(link)) return parent->get_name();
  return link->get_name();
}

std::string link_direction(const simgrid::s4u::Link* link) {
  if (!split_parent(link)) return "";
  return ends_with(link->get_name(), "_UP") ? "UP" : "DOWN";
}

std::string link_role(const simgrid::s4u::Link* link) {
  if (const char* r = link_property(link, "role")) return r;
  std::string derived = role_from_simgrid_name(link->get_name());
  return derived.empty() ? "other" : derived;
}

}  // namespace chimera
