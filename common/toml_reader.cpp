#include "common/toml_reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <stdexcept>

#include "common/units.hpp"

namespace chimera {
namespace {

std::string type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table: return "table";
    case toml::node_type::array: return "array";
    case toml::node_type::string: return "string";
    case toml::node_type::integer: return "integer";
    case toml::node_type::floating_point: return "float";
    case toml::node_type::boolean: return "boolean";
    case toml::node_type::date: return "date";
    case toml::node_type::time: return "time";
    case toml::node_type::date_time: return "date-time";
    default: return "nothing";
  }
}

SourceLocation at(const std::string& file, const toml::source_region& r) {
  return {file, static_cast<int>(r.begin.line), static_cast<int>(r.begin.column)};
}

}  // namespace

TomlTable::TomlTable(std::shared_ptr<const toml::table> root, const toml::table* table,
                     std::shared_ptr<const std::string> file, std::string prefix)
    : root_(std::move(root)),
      table_(table),
      file_(std::move(file)),
      prefix_(std::move(prefix)),
      known_(std::make_shared<std::set<std::string, std::less<>>>()) {}

TomlTable TomlTable::parse_file(const std::string& path) {
  auto file = std::make_shared<const std::string>(path);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    throw InputError({path}, "", "file not found", "a path to an existing TOML file");
  if (std::filesystem::is_directory(path, ec))
    throw InputError({path}, "", "is a directory, not a file", "a path to a TOML file");
  try {
    auto t = std::make_shared<toml::table>(toml::parse_file(path));
    const toml::table* p = t.get();
    return TomlTable(std::move(t), p, std::move(file), "");
  } catch (const toml::parse_error& e) {
    throw InputError(at(path, e.source()), "", fmt::format("TOML syntax error: {}", e.description()),
                     "TOML 1.0 syntax");
  }
}

TomlTable TomlTable::parse_string(std::string_view text, const std::string& name) {
  auto file = std::make_shared<const std::string>(name);
  try {
    auto t = std::make_shared<toml::table>(toml::parse(text, name));
    const toml::table* p = t.get();
    return TomlTable(std::move(t), p, std::move(file), "");
  } catch (const toml::parse_error& e) {
    throw InputError(at(name, e.source()), "", fmt::format("TOML syntax error: {}", e.description()),
                     "TOML 1.0 syntax");
  }
}

std::string TomlTable::key_name(std::string_view key) const {
  return prefix_.empty() ? std::string(key) : prefix_ + "." + std::string(key);
}

bool TomlTable::has(std::string_view key) const { return table_->contains(key); }

std::vector<std::string> TomlTable::keys() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : *table_) out.emplace_back(k.str());
  std::sort(out.begin(), out.end());
  return out;
}

void TomlTable::mark_known(std::string_view key) { known_->emplace(key); }

const toml::node* TomlTable::raw(std::string_view key) const { return table_->get(key); }

const toml::node* TomlTable::lookup(std::string_view key) {
  known_->emplace(key);
  return table_->get(key);
}

SourceLocation TomlTable::location(std::string_view key) const {
  if (const toml::node* n = table_->get(key)) return at(*file_, n->source());
  return location();
}

SourceLocation TomlTable::location() const {
  if (table_->source().begin.line == 0) return {*file_};
  return at(*file_, table_->source());
}

InputError TomlTable::error(std::string_view key, std::string problem, std::string valid) const {
  return InputError(location(key), key_name(key), std::move(problem), std::move(valid));
}

void TomlTable::type_error(std::string_view key, const toml::node& n, std::string_view expected,
                           std::string_view valid) const {
  throw InputError(at(*file_, n.source()), key_name(key),
                   fmt::format("wrong type: expected {}, got {}", expected, type_name(n)),
                   std::string(valid.empty() ? expected : valid));
}

std::optional<std::int64_t> TomlTable::integer(std::string_view key, std::string_view valid) {
  const toml::node* n = lookup(key);
  if (!n) return std::nullopt;
  if (auto v = n->value_exact<std::int64_t>()) return *v;
  type_error(key, *n, "an integer", valid);
}

std::optional<double> TomlTable::number(std::string_view key, std::string_view valid) {
  const toml::node* n = lookup(key);
  if (!n) return std::nullopt;
  if (n->is_integer()) return static_cast<double>(*n->value_exact<std::int64_t>());
  if (n->is_floating_point()) return *n->value_exact<double>();
  type_error(key, *n, "a number", valid);
}

std::optional<bool> TomlTable::boolean(std::string_view key) {
  const toml::node* n = lookup(key);
  if (!n) return std::nullopt;
  if (auto v = n->value_exact<bool>()) return *v;
  type_error(key, *n, "a boolean", "true or false");
}

std::optional<std::string> TomlTable::string(std::string_view key, std::string_view valid) {
  const toml::node* n = lookup(key);
  if (!n) return std::nullopt;
  if (auto v = n->value_exact<std::string>()) return *v;
  type_error(key, *n, "a string", valid);
}

std::optional<TomlTable> TomlTable::table(std::string_view key) {
  const toml::node* n = lookup(key);
  if (!n) return std::nullopt;
  if (const toml::table* t = n->as_table()) return TomlTable(root_, t, file_, key_name(key));
  type_error(key, *n, "a table", "a [table]");
}

std::optional<std::vector<std::int64_t>> TomlTable::integer_array(std::string_view key,
                                                                 std::string_view valid) {
  const toml::node* n = lookup(key);
  if (!n) return std::nullopt;
  const toml::array* a = n->as_array();
  if (!a) type_error(key, *n, "an array of integers", valid);
  std::vector<std::int64_t> out;
  for (const auto& e : *a) {
    auto v = e.value_exact<std::int64_t>();
    if (!v) type_error(key, e, "an integer element", valid);
    out.push_back(*v);
  }
  return out;
}

std::optional<std::vector<double>> TomlTable::number_array(std::string_view key, std::string_view valid) {
  const toml::node* n = lookup(key);
  if (!n) return std::nullopt;
  const toml::array* a = n->as_array();
  if (!a) type_error(key, *n, "an array of numbers", valid);
  std::vector<double> out;
  for (const auto& e : *a) {
    if (e.is_integer()) out.push_back(static_cast<double>(*e.value_exact<std::int64_t>()));
    else if (e.is_floating_point()) out.push_back(*e.value_exact<double>());
    else type_error(key, e, "a number element", valid);
  }
  return out;
}

std::optional<std::vector<std::string>> TomlTable::string_array(std::string_view key,
                                                               std::string_view valid) {
  const toml::node* n = lookup(key);
  if (!n) return std::nullopt;
  const toml::array* a = n->as_array();
  if (!a) type_error(key, *n, "an array of strings", valid);
  std::vector<std::string> out;
  for (const auto& e : *a) {
    auto v = e.value_exact<std::string>();
    if (!v) type_error(key, e, "a string element", valid);
    out.push_back(*v);
  }
  return out;
}

namespace {
template <class Parse>
std::optional<double> quantity(TomlTable& t, const toml::node* n, std::string_view key,
                               std::string_view expected, Parse parse) {
  if (!n) return std::nullopt;
  if (n->is_integer()) return static_cast<double>(*n->value_exact<std::int64_t>());
  if (n->is_floating_point()) return *n->value_exact<double>();
  if (auto s = n->value_exact<std::string>()) {
    try {
      return parse(*s);
    } catch (const std::invalid_argument& e) {
      throw t.error(key, e.what());
    }
  }
  throw t.error(key, "wrong type for a quantity", std::string(expected));
}
}  // namespace

std::optional<double> TomlTable::bytes(std::string_view key) {
  auto v = quantity(*this, lookup(key), key, "an integer number of bytes or a string such as \"4MiB\"",
                    parse_bytes);
  if (v && *v < 0) throw error(key, "must not be negative", "a size >= 0");
  return v;
}

std::optional<double> TomlTable::bandwidth(std::string_view key) {
  auto v = quantity(*this, lookup(key), key, "bytes per second or a string such as \"50GBps\"",
                    parse_bandwidth);
  if (v && *v <= 0) throw error(key, "must be positive", "a bandwidth > 0, e.g. \"50GBps\"");
  return v;
}

std::optional<double> TomlTable::duration(std::string_view key) {
  auto v = quantity(*this, lookup(key), key, "seconds or a string such as \"100ns\"", parse_duration);
  if (v && *v < 0) throw error(key, "must not be negative", "a duration >= 0, e.g. \"1us\"");
  return v;
}

std::int64_t TomlTable::require_integer(std::string_view key, std::string_view valid) {
  if (auto v = integer(key, valid)) return *v;
  throw error(key, "missing required key", std::string(valid));
}

double TomlTable::require_number(std::string_view key, std::string_view valid) {
  if (auto v = number(key, valid)) return *v;
  throw error(key, "missing required key", std::string(valid));
}

std::string TomlTable::require_string(std::string_view key, std::string_view valid) {
  if (auto v = string(key, valid)) return *v;
  throw error(key, "missing required key", std::string(valid));
}

TomlTable TomlTable::require_table(std::string_view key, std::string_view valid) {
  if (auto v = table(key)) return *v;
  throw error(key, "missing required table", std::string(valid));
}

std::optional<std::int64_t> TomlTable::positive_integer(std::string_view key, std::int64_t min, std::int64_t max) {
  auto v = integer(key, fmt::format("an integer >= {}", min));
  if (v && *v < min)
    throw error(key, fmt::format("must be >= {} (got {})", min, *v), fmt::format("an integer >= {}", min));
  if (v && *v > max)
    throw error(key, fmt::format("must be <= {} (got {})", max, *v), fmt::format("an integer from {} to {}", min, max));
  return v;
}

void TomlTable::reject_unknown_keys() const {
  for (const auto& [k, v] : *table_) {
    if (known_->count(k.str())) continue;
    std::string valid;
    for (const auto& name : *known_) valid += (valid.empty() ? "" : ", ") + name;
    throw InputError(at(*file_, k.source()), key_name(k.str()), "unknown key",
                     valid.empty() ? "no keys here" : valid);
  }
}

}  // namespace chimera
