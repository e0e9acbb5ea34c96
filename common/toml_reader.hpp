#pragma once
// Strict reading of TOML input files (TOML++). Every value read is checked for type; any key
// the reader did not ask for is an error ("unknown key"), so typos never become silent
// defaults. Errors carry file, line, column and the dotted key name.
#include <toml++/toml.h>

#include <limits>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/input_error.hpp"

namespace chimera {

class TomlTable {
 public:
  // Parses a file; a missing file or a syntax error is an InputError.
  static TomlTable parse_file(const std::string& path);
  static TomlTable parse_string(std::string_view text, const std::string& name);

  const std::string& file() const { return *file_; }
  // Dotted name of this table ("" for the root, "parallel", "platform.generator").
  const std::string& name() const { return prefix_; }
  std::string key_name(std::string_view key) const;

  bool has(std::string_view key) const;
  std::vector<std::string> keys() const;  // in file order is not kept by TOML++: sorted

  // Optional values; wrong type is an error. Each call marks the key as known.
  std::optional<std::int64_t> integer(std::string_view key, std::string_view valid = {});
  std::optional<double> number(std::string_view key, std::string_view valid = {});  // int or float
  std::optional<bool> boolean(std::string_view key);
  std::optional<std::string> string(std::string_view key, std::string_view valid = {});
  std::optional<TomlTable> table(std::string_view key);
  std::optional<std::vector<std::int64_t>> integer_array(std::string_view key, std::string_view valid = {});
  std::optional<std::vector<double>> number_array(std::string_view key, std::string_view valid = {});
  std::optional<std::vector<std::string>> string_array(std::string_view key, std::string_view valid = {});
  // Quantities: an integer/float in base units, or a string with a unit ("4MiB", "50GBps", "1us").
  std::optional<double> bytes(std::string_view key);
  std::optional<double> bandwidth(std::string_view key);
  std::optional<double> duration(std::string_view key);

  // Required variants: absence is an error naming what would be valid.
  std::int64_t require_integer(std::string_view key, std::string_view valid);
  double require_number(std::string_view key, std::string_view valid);
  std::string require_string(std::string_view key, std::string_view valid);
  TomlTable require_table(std::string_view key, std::string_view valid);

  // Integer in [min, max] (default: 1 to the largest int, so that callers may narrow it).
  std::optional<std::int64_t> positive_integer(std::string_view key, std::int64_t min = 1,
                                               std::int64_t max = std::numeric_limits<int>::max());

  // Marks a key as known without reading it (e.g. read through the raw node elsewhere).
  void mark_known(std::string_view key);
  const toml::node* raw(std::string_view key) const;

  // Location of a key's value (or of this table when the key is absent).
  SourceLocation location(std::string_view key) const;
  SourceLocation location() const;
  InputError error(std::string_view key, std::string problem, std::string valid = {}) const;

  // Any key not read or marked known is an error listing the known keys.
  void reject_unknown_keys() const;

 private:
  TomlTable(std::shared_ptr<const toml::table> root, const toml::table* table,
            std::shared_ptr<const std::string> file, std::string prefix);
  const toml::node* lookup(std::string_view key);
  [[noreturn]] void type_error(std::string_view key, const toml::node& n, std::string_view expected,
                               std::string_view valid) const;

  std::shared_ptr<const toml::table> root_;  // keeps the parsed document alive
  const toml::table* table_;
  std::shared_ptr<const std::string> file_;
  std::string prefix_;
  std::shared_ptr<std::set<std::string, std::less<>>> known_;
};

}  // namespace chimera
