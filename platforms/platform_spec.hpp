#pragma once
// Where a simulation's platform comes from: a SimGrid XML file, or XML produced by a
// generator. Engine-free, so scenario parsing can build it without SimGrid.
#include <memory>
#include <string>
#include <vector>

#include "common/input_error.hpp"
#include "platforms/xml_platform.hpp"

namespace chimera {

struct PlatformSpec {
  std::string xml_file;       // path of a SimGrid XML file (empty when generated)
  std::string generated_xml;  // XML text produced by a generator (empty when from a file)
  // The same platform as values, when the generator builds a zone tree: the loader then creates
  // it through SimGrid's S4U API (platforms/s4u_platform.hpp) instead of parsing generated_xml,
  // with identical results, except under ns-3 (whose checks watch the XML load).
  std::shared_ptr<const xml::Zone> generated_zone;
  std::string description;    // for reports: the file path, or "generator star (gpus=8, ...)"
  // Rank -> host name. Empty: ranks take hosts in document order.
  std::vector<std::string> rank_hosts;
  // Where the platform was chosen (scenario file, line of [platform]): for error messages.
  SourceLocation origin;
};

}  // namespace chimera
