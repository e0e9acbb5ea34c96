#pragma once
// Reading a link's <prop> tags. SimGrid splits a SPLITDUPLEX link "p" into two links "p_UP" and
// "p_DOWN" and keeps the XML properties on the split-duplex object "p" only: these helpers look
// there too.
#include <simgrid/s4u/Link.hpp>

#include <string>

namespace chimera {

// The property of `link` (or of its split-duplex parent), or nullptr.
const char* link_property(const simgrid::s4u::Link* link, const std::string& key);
// "p" for "p_UP" / "p_DOWN" of a split-duplex link, else the link's own name.
std::string link_parent_name(const simgrid::s4u::Link* link);
// "UP" / "DOWN" for the halves of a split-duplex link, "" otherwise.
std::string link_direction(const simgrid::s4u::Link* link);
// The declared role, else one derived from SimGrid's own link names, else "other".
std::string link_role(const simgrid::s4u::Link* link);

}  // namespace chimera
