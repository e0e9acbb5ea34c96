#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "study/sweep.hpp"
#include "common/text_file.hpp"
#include "common/toml_reader.hpp"
#include "common/units.hpp"

namespace chimera {
namespace {

namespace fs = std::filesystem;

ParamValue value_of(const TomlTable& t, const toml::node& n, const std::string& key) {
  if (auto v = n.value_exact<std::int64_t>()) return *v;
  if (auto v = n.value_exact<double>()) return *v;
  if (auto v = n.value_exact<bool>()) return *v;
  if (auto v = n.value_exact<std::string>()) return *v;
  throw InputError({t.file(), int(n.source().begin.line), int(n.source().begin.column)}, t.key_name(key),
                   "a parameter must be an integer, float, boolean or string", "e.g. 4, 0.73, true or \"tp+pp\"");
}

SourceLocation where(const std::string& file, const toml::node& n) {
  return {file, int(n.source().begin.line), int(n.source().begin.column)};
}

}  // namespace

std::string param_text(const ParamValue& v) {
  return std::visit(
      [](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string>) return x;
        else if constexpr (std::is_same_v<T, bool>) return x ? "true" : "false";
        else return fmt::format("{}", x);
      },
      v);
}

std::size_t SweepSpec::point_count() const {
  std::size_t n = 1;
  for (const Axis& a : axes) n *= a.values.size();
  return n;
}

SweepPoint sweep_point(const SweepSpec& s, std::size_t index) {
  SweepPoint p;
  p.index = index;
  p.params = s.fixed;
  std::size_t rest = index;
  std::vector<std::size_t> pick(s.axes.size());
  for (std::size_t a = s.axes.size(); a-- > 0;) {
    pick[a] = rest % s.axes[a].values.size();
    rest /= s.axes[a].values.size();
  }
  for (std::size_t a = 0; a < s.axes.size(); ++a) {
    const AxisValue& v = s.axes[a].values[pick[a]];
    p.labels.push_back(v.label);
    p.params.insert(p.params.end(), v.params.begin(), v.params.end());
  }
  return p;
}

namespace {

SweepSpec read_sweep(TomlTable& root, const std::string& path) {
  SweepSpec s;
  s.file = path;
  auto schema = root.integer("schema", "1");
  if (!schema) throw root.error("schema", "missing required key", "schema = 1");
  if (*schema != 1) throw root.error("schema", fmt::format("unsupported schema version {}", *schema), "1");
  s.title = root.string("title").value_or("");
  std::string kinds;
  for (const auto& k : sweep_kinds()) kinds += (kinds.empty() ? "" : ", ") + k;
  s.kind = root.require_string("kind", kinds);
  if (auto ks = sweep_kinds(); std::find(ks.begin(), ks.end(), s.kind) == ks.end())
    throw root.error("kind", fmt::format("unknown kind '{}'", s.kind), kinds);
  std::string output = root.require_string("output", "a CSV path, relative to the sweep file");
  s.output = (fs::path(path).parent_path() / output).lexically_normal().string();
  if (fs::path(output).is_absolute()) s.output = output;
  {
    std::error_code ec;
    fs::path dir = fs::path(s.output).parent_path();
    if (!dir.empty() && !fs::is_directory(dir, ec))
      throw root.error("output", fmt::format("directory '{}' does not exist", dir.string()), "a path in an existing directory");
  }
  if (auto fixed = root.table("fixed")) {
    for (const auto& key : fixed->keys()) {
      fixed->mark_known(key);
      s.fixed.push_back({key, value_of(*fixed, *fixed->raw(key), key), where(path, *fixed->raw(key))});
    }
  }
  auto axes = root.table("axes");
  std::vector<std::string> axis_names = axes ? axes->keys() : std::vector<std::string>{};
  if (auto order = root.string_array("order", "the axis names, outermost first")) {
    std::vector<std::string> a = *order, b = axis_names;
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    if (a != b) throw root.error("order", "must list every axis exactly once", fmt::format("a permutation of the [axes] keys"));
    axis_names = *order;
  }
  for (const auto& name : axis_names) {
    axes->mark_known(name);
    const toml::node& n = *axes->raw(name);
    Axis axis{name, {}};
    auto add_scalar = [&](const toml::node& e) {
      ParamValue v = value_of(*axes, e, name);
      // A size sweep "4KiB:32MiB" stands for each of its sizes.
      if (const auto* text = std::get_if<std::string>(&v); text && name == "bytes" && text->find(':') != std::string::npos) {
        std::vector<double> sizes;
        try {
          sizes = parse_byte_sweep(*text);
        } catch (const std::invalid_argument& e2) {
          throw InputError(where(path, e), axes->key_name(name), e2.what());
        }
        for (double b : sizes) axis.values.push_back({fmt::format("{}", b), {{name, ParamValue(b), where(path, e)}}});
        return;
      }
      axis.values.push_back({param_text(v), {{name, v, where(path, e)}}});
    };
    if (const toml::array* arr = n.as_array()) {
      for (const toml::node& e : *arr) {
        if (const toml::table* t = e.as_table()) {
          AxisValue av;
          for (const auto& [k, v] : *t) {
            if (k.str() == "name") {
              if (auto label = v.value_exact<std::string>()) av.label = *label;
              else throw InputError(where(path, v), axes->key_name(name) + ".name", "must be a string");
              continue;
            }
            av.params.push_back({std::string(k.str()), value_of(*axes, v, name), where(path, v)});
          }
          if (av.label.empty())
            throw InputError(where(path, e), axes->key_name(name), "a table value needs a `name` to label it in the CSV",
                             "name = \"...\"");
          axis.values.push_back(std::move(av));
        } else {
          add_scalar(e);
        }
      }
    } else {
      add_scalar(n);
    }
    if (axis.values.empty()) throw InputError(where(path, n), axes->key_name(name), "an axis needs at least one value");
    if (s.point_count() * axis.values.size() > kMaxSweepPoints)  // checked per axis: the product cannot overflow
      throw InputError(where(path, n), axes->key_name(name),
                       fmt::format("{} values make {} points", axis.values.size(), s.point_count() * axis.values.size()),
                       fmt::format("at most {} points per sweep file (split the study)", kMaxSweepPoints));
    s.axes.push_back(std::move(axis));
  }
  if (axes) axes->reject_unknown_keys();
  root.reject_unknown_keys();
  for (std::size_t i = 0; i < s.point_count(); ++i) validate_point(s, sweep_point(s, i));
  return s;
}

}  // namespace

SweepSpec load_sweep(const std::string& path) {
  TomlTable root = TomlTable::parse_file(path);
  return read_sweep(root, path);
}

SweepSpec parse_sweep(std::string_view toml_text, const std::string& path) {
  TomlTable root = TomlTable::parse_string(toml_text, path);
  return read_sweep(root, path);
}

}  // namespace chimera
