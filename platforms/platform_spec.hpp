#pragma once
// Where a simulation's platform comes from: a SimGrid XML file, or XML produced by a
// generator. Engine-free, so scenario parsing can build it without SimGrid.
#include <string>
#include <vector>

#include "common/input_error.hpp"

namespace chimera {

struct PlatformSpec {
  std::string xml_file;       // path of a SimGrid XML file (empty when generated)
  std::string generated_xml;  // XML text produced by a generator (empty when from a file)
  std::string description;    // for reports: the file path, or "generator star (gpus=8, ...)"
  // Rank -> host name. Empty: ranks take hosts in document order.
  std::vector<std::string> rank_hosts;
  // Where the platform was chosen (scenario file, line of [platform]): for error messages.
  SourceLocation origin;
};

}  // namespace chimera
