#pragma once
// Loads a platform into the running SimGrid engine and maps ranks to hosts.
#include <simgrid/s4u/Engine.hpp>
#include <simgrid/kernel/routing/NetPoint.hpp>
#include <simgrid/s4u/Host.hpp>

#include <vector>

#include "platforms/platform_spec.hpp"

namespace chimera {

struct LoadedPlatform {
  std::vector<simgrid::s4u::Host*> hosts_in_order;  // document (creation) order
  std::vector<simgrid::s4u::Host*> rank_hosts;      // rank -> host
};

// Loads the XML (file or generated text) into `engine`. Throws InputError for a missing
// file, a platform SimGrid rejects, fewer hosts than ranks or an unknown host in the
// explicit mapping.
LoadedPlatform load_platform(simgrid::s4u::Engine& engine, const PlatformSpec& spec, int ranks);

}  // namespace chimera
