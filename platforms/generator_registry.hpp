#pragma once
// All platform generators by name, with their parameters, shared by the scenario file
// ([platform.generator] kind = "nvswitch" plus its keys) and the command line
// (`chimera-sim platform gen nvswitch --gpus 8 -o file.xml`).
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "platforms/generator_args.hpp"
#include "platforms/xml_platform.hpp"

namespace chimera {

class TomlTable;

struct GeneratedPlatform {
  std::string xml;
  std::string description;  // for reports: "generator nvswitch (gpus=8, preset=a100, ...)"
  std::shared_ptr<const xml::Zone> zone;  // the same as values (cluster), or null
};

struct GeneratorKind {
  std::string name;
  std::string summary;
  std::vector<ParamSpec> params;
  std::function<GeneratedPlatform(const GeneratorArgs&)> generate;
};

const std::vector<GeneratorKind>& generator_kinds();
const GeneratorKind* find_generator_kind(const std::string& name);
std::string generator_kind_choices();  // "star, nvswitch, pcie, ..."

// [platform.generator]: `kind` plus that generator's keys. Throws InputError.
GeneratedPlatform generate_from_toml(TomlTable& table);
// `kind` and "--key value" arguments. Throws InputError.
GeneratedPlatform generate_from_cli(const std::string& kind, const std::vector<std::string>& args);

}  // namespace chimera
