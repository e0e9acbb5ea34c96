#pragma once
// Builds a generated platform (platforms/xml_platform.hpp values) in the running engine through
// SimGrid's S4U NetZone API, instead of writing XML and parsing it back. Every object is created
// as SimGrid's XML parser creates it (same calls, same order, numbers parsed from the same unit
// text), so a run gives byte-identical results either way (tests/unit/test_s4u_platform.cpp);
// but links are passed by pointer: the parser resolves every <link_ctn> by name through a search
// of every zone parsed so far, which makes loading a 16,384-GPU cluster quadratic (about 50 s
// as XML, measured in README.md "Speed").
#include <simgrid/s4u/NetZone.hpp>

#include "platforms/xml_platform.hpp"

namespace chimera {

// True when every zone's routing is one the builder creates (Full, Floyd, Dijkstra,
// DijkstraCache, None); otherwise the platform goes through XML.
bool buildable_through_s4u(const xml::Zone& root);

// Creates `root` (as xml::expanded gives it) and everything in it; the first zone created in an
// engine becomes its root zone. Hosts and links are sealed as the parser seals them; zones are
// left open, as the parser leaves them (the caller seals the platform). Throws std::invalid_argument on a dangling reference.
simgrid::s4u::NetZone* build_s4u_platform(const xml::Zone& root);

}  // namespace chimera
