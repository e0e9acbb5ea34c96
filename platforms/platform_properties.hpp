#pragma once
// The loader's second half: after SimGrid has read the XML, apply and check the <prop> tags
// (see platform_loader.hpp). `xml_file` ("" for generated XML) locates errors; `where` names the
// platform in messages.
#include <simgrid/s4u/Engine.hpp>
#include <simgrid/s4u/Host.hpp>

#include <string>
#include <vector>

#include "platforms/network_settings.hpp"

namespace chimera {

struct PropertyCounts {
  int contention_links = 0;
  int efficiency_links = 0;
};

// Host presets: inherited from zones, checked, relative paths resolved against the file.
void apply_host_presets(const std::vector<simgrid::s4u::Host*>& hosts, const std::string& xml_file,
                        const std::string& where);
// Link roles (checked), contention curves (installed), payload efficiencies (applied).
PropertyCounts apply_link_properties(simgrid::s4u::Engine& engine, const NetworkSettings& network,
                                     const std::string& xml_file, const std::string& where);
// Under ns-3: zones ns-3 cannot run (SimGrid's torus, fat-tree and dragonfly clusters).
void check_ns3_zones(simgrid::s4u::Engine& engine, const std::string& xml_file, const std::string& where);

// Line of the first element with id="`id`" in the file, 0 when unknown.
int line_of_element(const std::string& xml_file, const std::string& id);

}  // namespace chimera
