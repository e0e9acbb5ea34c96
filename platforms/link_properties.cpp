#include "platforms/link_properties.hpp"

#include <simgrid/s4u/Engine.hpp>


#include "platforms/link_roles.hpp"

namespace chimera {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() > suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// SimGrid finds a split-duplex link by searching every zone: each half remembers the answer
// on itself (a link extension), so the memo lives and dies with the engine that owns the link.
struct SplitParent {
  const simgrid::s4u::Link* parent = nullptr;
};
const simgrid::xbt::Extension<simgrid::s4u::Link, SplitParent>& split_parent_extension() {
  static const auto ext = simgrid::s4u::Link::extension_create<SplitParent>();
  return ext;
}

const simgrid::s4u::Link* split_parent(const simgrid::s4u::Link* link) {
  const std::string& name = link->get_name();
  std::string base;
  if (ends_with(name, "_UP")) base = name.substr(0, name.size() - 3);
  else if (ends_with(name, "_DOWN")) base = name.substr(0, name.size() - 5);
  else return nullptr;
  auto* mutable_link = const_cast<simgrid::s4u::Link*>(link);  // the memo, not the link, changes
  if (const auto* known = mutable_link->extension(split_parent_extension())) return known->parent;
  const simgrid::s4u::Link* parent = nullptr;
  try {
    parent = simgrid::s4u::Engine::get_instance()->split_duplex_link_by_name(base);
  } catch (const std::exception&) {
    // a plain link whose name happens to end in _UP
  }
  mutable_link->extension_set(split_parent_extension(), new SplitParent{parent});
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
