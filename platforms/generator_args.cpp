#include "platforms/generator_args.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "common/toml_reader.hpp"
#include "common/units.hpp"

namespace chimera {
namespace {

std::string dashed(std::string key) {
  std::replace(key.begin(), key.end(), '_', '-');
  return key;
}

std::string underscored(std::string key) {
  std::replace(key.begin(), key.end(), '-', '_');
  return key;
}

bool parse_double(std::string_view s, double& out) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && std::isfinite(out);
}

std::string valid_for(const ParamSpec& s) {
  switch (s.type) {
    case ParamType::integer: return "an integer";
    case ParamType::number: return "a number";
    case ParamType::bandwidth: return "a bandwidth such as \"50GBps\" or \"400Gbps\"";
    case ParamType::duration: return "a duration such as \"100ns\" or \"1us\"";
    case ParamType::boolean: return "true or false";
    case ParamType::number_list: return "numbers separated by commas, e.g. 1,0.9,0.8";
    case ParamType::text: return "a string";
    case ParamType::choice: {
      std::string c;
      for (const auto& x : s.choices) c += (c.empty() ? "" : ", ") + x;
      return c;
    }
  }
  return "";
}

}  // namespace

const char* param_type_name(ParamType t) {
  switch (t) {
    case ParamType::integer: return "integer";
    case ParamType::number: return "number";
    case ParamType::bandwidth: return "bandwidth";
    case ParamType::duration: return "duration";
    case ParamType::boolean: return "flag";
    case ParamType::choice: return "choice";
    case ParamType::number_list: return "list";
    case ParamType::text: return "text";
  }
  return "";
}

GeneratorArgs::GeneratorArgs(std::string kind, std::vector<ParamSpec> specs, std::map<std::string, RawValue> given)
    : kind_(std::move(kind)), specs_(std::move(specs)), given_(std::move(given)) {
  for (const auto& [key, raw] : given_) {
    // An init-capture: clang 14 (the fuzz build) cannot capture a structured binding.
    auto it = std::find_if(specs_.begin(), specs_.end(), [&key = key](const ParamSpec& s) { return s.key == key; });
    if (it == specs_.end()) {
      std::string known;
      for (const auto& s : specs_) {
        std::string shown = raw.where.file.empty() ? "--" + dashed(s.key) : s.key;
        known += (known.empty() ? "" : ", ") + shown;
      }
      throw InputError(raw.where, raw.shown_key, fmt::format("unknown key: not a parameter of the {} generator", kind_),
                       known.empty() ? "no parameters" : known);
    }
  }
  // Check every given value now, whether or not this configuration reads it.
  for (const auto& [key, raw] : given_) {
    const ParamSpec& s = spec(key);
    switch (s.type) {
      case ParamType::integer: (void)integer(key, std::numeric_limits<int>::min(), std::numeric_limits<int>::max()); break;
      case ParamType::number: (void)number(key); break;
      case ParamType::bandwidth: (void)bandwidth_or_zero(key); break;
      case ParamType::duration: (void)duration(key); break;
      case ParamType::boolean: (void)flag(key); break;
      case ParamType::choice: (void)choice(key); break;
      case ParamType::number_list: (void)numbers(key); break;
      case ParamType::text: break;
    }
  }
}

const ParamSpec& GeneratorArgs::spec(const std::string& key) const {
  for (const auto& s : specs_)
    if (s.key == key) return s;
  throw std::logic_error("generator " + kind_ + " reads undeclared parameter " + key);
}

std::string GeneratorArgs::value_text(const std::string& key) const {
  auto it = given_.find(key);
  return it != given_.end() ? it->second.text : spec(key).default_value;
}

InputError GeneratorArgs::error(const std::string& key, std::string problem, std::string valid) const {
  auto it = given_.find(key);
  if (it != given_.end()) return InputError(it->second.where, it->second.shown_key, std::move(problem), std::move(valid));
  // A default that does not fit the other parameters: name the parameter as a flag would.
  return InputError({}, fmt::format("{} generator, {} (default {})", kind_, key, spec(key).default_value),
                    std::move(problem), std::move(valid));
}

int GeneratorArgs::integer(const std::string& key, int min, int max) const {
  std::string t = value_text(key);
  long long v = 0;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || p != t.data() + t.size())
    throw error(key, fmt::format("'{}' is not an integer", t), "an integer");
  if (v < min || v > max)
    throw error(key, fmt::format("{} is out of range", v),
                max == (1 << 30) ? fmt::format("an integer >= {}", min) : fmt::format("an integer in [{}, {}]", min, max));
  return static_cast<int>(v);
}

double GeneratorArgs::number(const std::string& key) const {
  std::string t = value_text(key);
  double v = 0;
  if (!parse_double(t, v)) throw error(key, fmt::format("'{}' is not a number", t), "a number");
  return v;
}

double GeneratorArgs::fraction(const std::string& key) const {
  double v = number(key);
  if (!(v > 0 && v <= 1)) throw error(key, fmt::format("{} is outside (0, 1]", v), "a number in (0, 1]");
  return v;
}

double GeneratorArgs::bandwidth_or_zero(const std::string& key) const {
  std::string t = value_text(key);
  double v = 0;
  if (parse_double(t, v)) {
    if (v < 0) throw error(key, "must not be negative", valid_for(spec(key)));
    return v;  // a bare number is B/s (TOML numbers)
  }
  try {
    return parse_bandwidth(t);
  } catch (const std::invalid_argument& e) {
    throw error(key, e.what());
  }
}

double GeneratorArgs::bandwidth(const std::string& key) const {
  double v = bandwidth_or_zero(key);
  if (v <= 0) throw error(key, "must be positive", valid_for(spec(key)));
  return v;
}

double GeneratorArgs::duration(const std::string& key) const {
  std::string t = value_text(key);
  try {
    return parse_duration(t);
  } catch (const std::invalid_argument& e) {
    throw error(key, e.what());
  }
}

bool GeneratorArgs::flag(const std::string& key) const {
  std::string t = value_text(key);
  if (t == "true") return true;
  if (t == "false") return false;
  throw error(key, fmt::format("'{}' is not a boolean", t), "true or false");
}

std::string GeneratorArgs::choice(const std::string& key) const {
  const ParamSpec& s = spec(key);
  std::string t = value_text(key);
  if (std::find(s.choices.begin(), s.choices.end(), t) == s.choices.end())
    throw error(key, fmt::format("unknown value '{}'", t), valid_for(s));
  return t;
}

std::string GeneratorArgs::text(const std::string& key) const { return value_text(key); }

std::vector<double> GeneratorArgs::numbers(const std::string& key) const {
  std::string t = value_text(key);
  std::vector<double> out;
  if (t.empty()) return out;
  std::size_t start = 0;
  while (start <= t.size()) {
    std::size_t end = t.find(',', start);
    if (end == std::string::npos) end = t.size();
    double v = 0;
    if (!parse_double(std::string_view(t).substr(start, end - start), v))
      throw error(key, fmt::format("'{}' is not a list of numbers", t), valid_for(spec(key)));
    out.push_back(v);
    start = end + 1;
  }
  return out;
}

std::string GeneratorArgs::summary() const {
  std::string out;
  for (const auto& s : specs_) {
    std::string v = value_text(s.key);
    if (v.empty()) continue;
    out += fmt::format("{}{}={}", out.empty() ? "" : ", ", s.key, v);
  }
  return out;
}

std::string GeneratorArgs::command_line(const std::string& output) const {
  std::string out = "chimera-sim platform gen " + kind_;
  for (const auto& s : specs_) {
    auto it = given_.find(s.key);
    if (it == given_.end()) continue;
    if (s.type == ParamType::boolean)
      out += it->second.text == "true" ? " --" + dashed(s.key) : " --no-" + dashed(s.key);
    else
      out += fmt::format(" --{} {}", dashed(s.key), it->second.text);
  }
  if (!output.empty()) out += " -o " + output;
  return out;
}

std::map<std::string, RawValue> raw_values_from_cli(const std::vector<std::string>& args,
                                                    const std::vector<ParamSpec>& specs) {
  auto find = [&](const std::string& key) -> const ParamSpec* {
    for (const auto& s : specs)
      if (s.key == key) return &s;
    return nullptr;
  };
  std::map<std::string, RawValue> out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.rfind("--", 0) != 0 || a.size() < 3)
      throw option_error(a, "unexpected argument", "--key value, --key=value, --flag or --no-flag");
    std::string body = a.substr(2), value;
    bool has_value = false;
    if (auto eq = body.find('='); eq != std::string::npos) {
      value = body.substr(eq + 1);
      body = body.substr(0, eq);
      has_value = true;
    }
    std::string key = underscored(body);
    const ParamSpec* s = find(key);
    if (!s && key.rfind("no_", 0) == 0) {
      const ParamSpec* neg = find(key.substr(3));
      if (neg && neg->type == ParamType::boolean && !has_value) {
        out[neg->key] = {"false", {}, "--" + body};
        continue;
      }
    }
    if (s && s->type == ParamType::boolean) {
      out[key] = {has_value ? value : "true", {}, "--" + body};
      continue;
    }
    if (!has_value) {
      if (i + 1 >= args.size()) throw option_error("--" + body, "needs a value", s ? valid_for(*s) : "");
      value = args[++i];
    }
    out[key] = {value, {}, "--" + body};
  }
  return out;
}

std::map<std::string, RawValue> raw_values_from_toml(TomlTable& table, const std::string& skip,
                                                     const std::vector<ParamSpec>& specs) {
  std::map<std::string, RawValue> out;
  for (const std::string& key : table.keys()) {
    if (key == skip) continue;
    table.mark_known(key);
    const toml::node* n = table.raw(key);
    RawValue v{"", table.location(key), table.key_name(key)};
    const ParamSpec* s = nullptr;
    for (const auto& p : specs)
      if (p.key == key) s = &p;
    auto wrong = [&](const char* got) {
      return InputError(v.where, v.shown_key, fmt::format("wrong type: got {}", got), valid_for(*s));
    };
    if (auto i = n->value_exact<std::int64_t>()) {
      if (s && (s->type == ParamType::boolean || s->type == ParamType::choice || s->type == ParamType::text))
        throw wrong("an integer");
      v.text = std::to_string(*i);
    } else if (auto d = n->value_exact<double>()) {
      if (s && s->type != ParamType::number && s->type != ParamType::bandwidth && s->type != ParamType::number_list)
        throw wrong("a float");
      v.text = fmt::format("{:.17g}", *d);
    } else if (auto b = n->value_exact<bool>()) {
      if (s && s->type != ParamType::boolean) throw wrong("a boolean");
      v.text = *b ? "true" : "false";
    } else if (auto str = n->value_exact<std::string>()) {
      if (s && (s->type == ParamType::integer || s->type == ParamType::number || s->type == ParamType::boolean))
        throw wrong("a string");
      v.text = *str;
    } else if (const toml::array* arr = n->as_array()) {
      if (s && s->type != ParamType::number_list) throw wrong("an array");
      for (const auto& e : *arr) {
        double x = 0;
        if (auto ei = e.value_exact<std::int64_t>()) x = static_cast<double>(*ei);
        else if (auto ed = e.value_exact<double>()) x = *ed;
        else throw InputError(v.where, v.shown_key, "array elements must be numbers", "e.g. [1.0, 0.9, 0.8]");
        v.text += (v.text.empty() ? "" : ",") + fmt::format("{:.17g}", x);
      }
    } else {
      throw InputError(v.where, v.shown_key, "unsupported value type", s ? valid_for(*s) : "a number or a string");
    }
    out[key] = std::move(v);
  }
  return out;
}

}  // namespace chimera
