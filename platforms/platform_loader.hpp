#pragma once
// Loads a platform into the running SimGrid engine, applies what XML cannot say, and maps ranks
// to hosts.
//
// Read from <prop> tags:
//   host  preset              hardware preset of that GPU (a built-in name or a preset file,
//                             relative to the platform file); inherited from enclosing zones
//   link  role                nvlink, pcie, upi, nic, ... (platforms/link_roles.hpp)
//   link  contention          efficiency curve installed with SimGrid's NONLINEAR sharing
//   link  payload_efficiency  fraction of the bandwidth that carries payload, in (0, 1]
// A scenario's [network] payload_efficiency applies to every link without its own.
// Ranks take hosts in document order unless the spec lists host names.
//
// Errors (InputError): missing file; invalid XML or a platform SimGrid rejects (its message,
// with file and line; files up to 4 MB are first loaded in a forked child so that SimGrid's
// fatal errors come back as messages too); fewer hosts than ranks; an unknown host in the mapping; an
// unknown preset or role, a malformed curve or efficiency (file, line, element); under ns-3, a
// platform ns-3 cannot run (routes of more than one link, cluster zones other than flat,
// contention or payload efficiency).
#include <simgrid/kernel/routing/NetPoint.hpp>
#include <simgrid/s4u/Engine.hpp>
#include <simgrid/s4u/Host.hpp>

#include <vector>

#include "platforms/network_settings.hpp"
#include "platforms/platform_spec.hpp"

namespace chimera {

struct LoadedPlatform {
  std::vector<simgrid::s4u::Host*> hosts_in_order;  // document (creation) order
  std::vector<simgrid::s4u::Host*> rank_hosts;      // rank -> host
  int contention_links = 0;                         // links given a contention curve
  int efficiency_links = 0;                         // links whose bandwidth a payload efficiency scaled
};

// `ranks` = 0 loads without mapping ranks (platform show / check). The network settings say
// which model runs (ns-3 checks) and the scenario's payload efficiency; the three-argument form
// reads the model from the engine's configuration.
LoadedPlatform load_platform(simgrid::s4u::Engine& engine, const PlatformSpec& spec, int ranks);
LoadedPlatform load_platform(simgrid::s4u::Engine& engine, const PlatformSpec& spec, int ranks,
                             const NetworkSettings& network, bool seal = true);
// Seals a platform loaded with seal = false (SimGrid adds no zone or host to a sealed platform:
// the simulation adds its own first). Throws InputError when SimGrid rejects it.
void seal_loaded_platform(simgrid::s4u::Engine& engine, const PlatformSpec& spec, const NetworkSettings& network);

// Loads `xml_file` in a forked child first: returns "" when SimGrid accepts it, else SimGrid's
// message (also for errors that abort the process).
std::string preflight_platform_file(simgrid::s4u::Engine& engine, const std::string& xml_file);

}  // namespace chimera
