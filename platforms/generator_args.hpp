#pragma once
// Parameters of a platform generator, given either in a scenario file
// ([platform.generator] kind = "..." plus keys) or on the command line
// (`chimera-sim platform gen KIND --key value`). Both paths produce the same raw text values,
// checked here against the generator's parameter list: an unknown key, a value of the wrong
// type or out of range is an InputError naming the key as the user wrote it
// ("platform.generator.gpus" with file and line, or "--gpus").
#include <map>
#include <string>
#include <vector>

#include "common/input_error.hpp"

namespace chimera {

class TomlTable;

enum class ParamType { integer, number, bandwidth, duration, boolean, choice, number_list, text };

struct ParamSpec {
  std::string key;            // snake_case; on the command line with dashes: --port-bandwidth
  ParamType type = ParamType::integer;
  std::string default_value;  // as text; "" = no default (the generator derives one)
  std::string help;
  std::vector<std::string> choices;  // ParamType::choice
};

struct RawValue {
  std::string text;
  SourceLocation where;   // file and line (scenario), empty for the command line
  std::string shown_key;  // "platform.generator.gpus" or "--gpus"
};

class GeneratorArgs {
 public:
  // Checks every given key and value against `specs` (unknown key, type, choices).
  GeneratorArgs(std::string kind, std::vector<ParamSpec> specs, std::map<std::string, RawValue> given);

  const std::string& kind() const { return kind_; }
  bool given(const std::string& key) const { return given_.count(key) != 0; }

  // Typed values (the given one, else the default). Range checks throw InputError on the key.
  int integer(const std::string& key, int min = 1, int max = 1 << 30) const;
  double number(const std::string& key) const;
  double fraction(const std::string& key) const;  // a number in (0, 1]
  double bandwidth(const std::string& key) const;  // B/s, > 0 unless zero_allowed
  double bandwidth_or_zero(const std::string& key) const;
  double duration(const std::string& key) const;  // s, >= 0
  bool flag(const std::string& key) const;
  std::string choice(const std::string& key) const;
  std::string text(const std::string& key) const;
  std::vector<double> numbers(const std::string& key) const;

  // An error about `key`, located where the user gave it (or on the generator as a whole).
  InputError error(const std::string& key, std::string problem, std::string valid = {}) const;

  // "gpus=8, preset=a100, ...": every parameter with its effective value, in list order.
  std::string summary() const;
  // The same as a command line: "chimera-sim platform gen nvswitch --gpus 8 ..." (given keys only).
  std::string command_line(const std::string& output) const;

 private:
  const ParamSpec& spec(const std::string& key) const;
  std::string value_text(const std::string& key) const;
  std::string kind_;
  std::vector<ParamSpec> specs_;
  std::map<std::string, RawValue> given_;
};

// Raw values from the command line: "--key value", "--key=value", "--flag", "--no-flag".
// Dashes in keys become underscores; boolean parameters take no value.
std::map<std::string, RawValue> raw_values_from_cli(const std::vector<std::string>& args,
                                                    const std::vector<ParamSpec>& specs);
// Raw values from a TOML table (every key but `skip`), marking them known. TOML types are
// checked against `specs` (an integer key must be a TOML integer, a flag a boolean, ...).
std::map<std::string, RawValue> raw_values_from_toml(TomlTable& table, const std::string& skip,
                                                     const std::vector<ParamSpec>& specs);

const char* param_type_name(ParamType t);

}  // namespace chimera
