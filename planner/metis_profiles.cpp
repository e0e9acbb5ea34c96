#include "planner/metis_profiles.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/input_error.hpp"
#include "common/strings.hpp"
#include "common/text_file.hpp"

namespace chimera::metis {
namespace {

bool parse_int(std::string_view s, int& out) {
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && end == s.data() + s.size() && out >= 1;
}

const nlohmann::json& field(const nlohmann::json& doc, std::initializer_list<const char*> path, const std::string& file) {
  const nlohmann::json* node = &doc;
  std::string where;
  for (const char* key : path) {
    where += (where.empty() ? "" : ".") + std::string(key);
    if (!node->is_object() || !node->contains(key)) throw InputError({file}, where, "missing", "the Metis profile format");
    node = &(*node)[key];
  }
  return *node;
}

double number(const nlohmann::json& doc, std::initializer_list<const char*> path, const std::string& file) {
  const auto& v = field(doc, path, file);
  if (!v.is_number()) throw InputError({file}, fmt::format("{}", fmt::join(path, ".")), "is not a number");
  return v.get<double>();
}

std::vector<double> numbers(const nlohmann::json& doc, std::initializer_list<const char*> path, const std::string& file,
                            int expected) {
  const auto& v = field(doc, path, file);
  std::string key = fmt::format("{}", fmt::join(path, "."));
  if (!v.is_array()) throw InputError({file}, key, "is not a list");
  std::vector<double> out;
  for (const auto& x : v) {
    if (!x.is_number()) throw InputError({file}, key, fmt::format("entry {} is not a number", x.dump()));
    out.push_back(x.get<double>());
  }
  if (static_cast<int>(out.size()) != expected)
    throw InputError({file}, key, fmt::format("has {} entries, but the model has {} layers (--layers)", out.size(), expected),
                     "one entry per layer");
  return out;
}

}  // namespace

Profile make_profile(std::string file, std::string type, int tp, int bs, std::vector<double> layer_compute_ms,
                     double forward_backward_ms, std::vector<double> layer_memory_mb, double optimizer_time_ms,
                     double batch_generator_time_ms, std::vector<double> parameters_per_layer_bytes) {
  Profile p;
  p.file = std::move(file);
  p.type = std::move(type);
  p.tp = tp;
  p.bs = bs;
  double total = 0;
  for (double x : layer_compute_ms) total += x;  // left to right, as Python's sum()
  p.layer_compute_ms = std::move(layer_compute_ms);
  p.layer_compute_total_ms = total;
  p.fb_sync_ms = forward_backward_ms - total;
  p.layer_memory_mb = std::move(layer_memory_mb);
  p.optimizer_time_ms = optimizer_time_ms;
  p.batch_generator_time_ms = batch_generator_time_ms;
  p.parameters_per_layer_bytes = std::move(parameters_per_layer_bytes);
  return p;
}

bool parse_profile_name(std::string_view name, std::string& type, int& tp, int& bs) {
  constexpr std::string_view prefix = "DeviceType.", suffix = ".json";
  if (name.size() <= prefix.size() + suffix.size() || name.substr(0, prefix.size()) != prefix ||
      name.substr(name.size() - suffix.size()) != suffix)
    return false;
  std::string_view core = name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
  std::size_t p_bs = core.rfind("_bs"), p_tp = core.rfind("_tp", p_bs);
  if (p_bs == std::string_view::npos || p_tp == std::string_view::npos || p_tp == 0) return false;
  std::string_view t = core.substr(0, p_tp);
  if (!std::all_of(t.begin(), t.end(), [](unsigned char c) { return std::isalnum(c) != 0; })) return false;
  if (!parse_int(core.substr(p_tp + 3, p_bs - p_tp - 3), tp) || !parse_int(core.substr(p_bs + 3), bs)) return false;
  type = to_upper(t);
  return true;
}

std::string profile_name(std::string_view type, int tp, int bs) {
  return fmt::format("DeviceType.{}_tp{}_bs{}.json", type, tp, bs);
}

int ProfileSet::type_index(std::string_view type) const {
  for (std::size_t i = 0; i < types_.size(); ++i)
    if (types_[i] == type) return static_cast<int>(i);
  return -1;
}

void ProfileSet::add(Profile p) {
  if (find(p.type, p.tp, p.bs))
    throw InputError({origin}, p.file,
                     fmt::format("a second profile for {} tp={} bs={} (after {})", p.type, p.tp, p.bs,
                                 find(p.type, p.tp, p.bs)->file),
                     "one file per (type, tp, bs)");
  if (type_index(p.type) < 0) types_.push_back(p.type);
  max_tp_ = std::max(max_tp_, p.tp);
  max_bs_ = std::max(max_bs_, p.bs);
  profiles_.push_back(std::move(p));
  rebuild_table();
}

void ProfileSet::rebuild_table() {
  table_.assign(types_.size() * (max_tp_ + 1) * (max_bs_ + 1), -1);
  for (std::size_t i = 0; i < profiles_.size(); ++i) {
    const Profile& p = profiles_[i];
    table_[(static_cast<std::size_t>(type_index(p.type)) * (max_tp_ + 1) + p.tp) * (max_bs_ + 1) + p.bs] =
        static_cast<int>(i);
  }
}

Profile parse_profile(std::string_view json_text, const std::string& name, const std::string& path, int layers) {
  std::string type;
  int tp = 0, bs = 0;
  if (!parse_profile_name(name, type, tp, bs))
    throw InputError({path}, name, "not a profile file name", "DeviceType.<TYPE>_tp<N>_bs<N>.json");
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(json_text);
  } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range for a number beyond a double
    throw InputError({path}, "profile", fmt::format("not valid JSON: {}", e.what()));
  }
  // One field at a time, so the first missing field is the one reported.
  auto lc = numbers(doc, {"execution_time", "layer_compute_total_ms"}, path, layers);
  double fb = number(doc, {"execution_time", "forward_backward_time_ms"}, path);
  double optimizer = number(doc, {"execution_time", "optimizer_time_ms"}, path);
  double batch_gen = number(doc, {"execution_time", "batch_generator_time_ms"}, path);
  auto mem = numbers(doc, {"execution_memory", "layer_memory_total_mb"}, path, layers);
  auto params = numbers(doc, {"model", "parameters", "parameters_per_layer_bytes"}, path, layers);
  return make_profile(name, type, tp, bs, std::move(lc), fb, std::move(mem), optimizer, batch_gen, std::move(params));
}

ProfileSet load_profiles(const std::string& dir, int layers) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw InputError({dir}, "--profiles", "not a directory", "a directory of DeviceType.<TYPE>_tp<N>_bs<N>.json files");
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    if (!name.empty() && name.front() == '.') continue;  // editor and OS droppings
    names.push_back(name);
  }
  std::sort(names.begin(), names.end());  // deterministic order; the constants source is explicit
  ProfileSet set;
  set.origin = dir;
  for (const auto& name : names) {
    std::string type;
    int tp = 0, bs = 0;
    if (!parse_profile_name(name, type, tp, bs))
      throw InputError({dir}, name, "unexpected file in the profile directory",
                       "only DeviceType.<TYPE>_tp<N>_bs<N>.json files");
    std::string path = (fs::path(dir) / name).string();
    set.add(parse_profile(read_text_file(path, "profile"), name, path, layers));
  }
  if (set.size() == 0)
    throw InputError({dir}, "--profiles", "no profile files", "DeviceType.<TYPE>_tp<N>_bs<N>.json files");
  return set;
}

void check_profile_grid(const ProfileSet& set, const std::vector<std::string>& types, int max_tp, int max_bs) {
  std::vector<std::string> missing;
  for (const auto& t : types)
    for (int tp = 1; tp <= max_tp; tp *= 2)
      for (int bs = 1; bs <= max_bs; bs *= 2)
        if (!set.find(t, tp, bs)) missing.push_back(profile_name(t, tp, bs));
  if (missing.empty()) return;
  std::string list;
  for (std::size_t i = 0; i < missing.size() && i < 4; ++i) list += (i ? ", " : "") + missing[i];
  if (missing.size() > 4) list += fmt::format(" and {} more", missing.size() - 4);
  throw InputError({set.origin}, "--profiles",
                   fmt::format("{} profile(s) the search needs are missing: {}", missing.size(), list),
                   fmt::format("every hostfile type at tp 1,2,4..{} and bs 1,2,4..{} (or lower "
                               "--max-profiled-tp / --max-profiled-batch)",
                               max_tp, max_bs));
}

ModelConstants model_constants(const ProfileSet& set, std::string_view source, bool optimizer_doubled) {
  std::string type;
  int tp = 0, bs = 0;
  std::string name(source);
  if (!parse_profile_name(name, type, tp, bs)) {
    name = "DeviceType." + name + ".json";
    if (!parse_profile_name(name, type, tp, bs))
      throw option_error("--constants", fmt::format("'{}' does not name a profile", source),
                         "TYPE_tpN_bsN, e.g. A100_tp32_bs32");
  }
  const Profile* p = set.find(type, tp, bs);
  if (!p) throw option_error("--constants", fmt::format("no profile {} in {}", profile_name(type, tp, bs), set.origin));
  const Profile* weights = set.find(type, 1, 1);
  if (!weights)
    throw option_error("--constants",
                       fmt::format("layer weights come from {} tp=1 bs=1, but {} is missing", type,
                                   profile_name(type, 1, 1)));
  ModelConstants c;
  c.source = p->file;
  c.optimizer_time_ms = optimizer_doubled ? 2 * p->optimizer_time_ms : p->optimizer_time_ms;
  c.batch_generator_time_ms = p->batch_generator_time_ms;
  const auto& params = p->parameters_per_layer_bytes;
  if (params.size() < 2)
    throw InputError({set.origin}, p->file, "parameters_per_layer_bytes needs at least 2 entries (input, transformer)");
  c.params_input = params.front();
  c.params_transformer = params[1];
  c.params_output = params.back();
  for (double x : weights->layer_compute_ms) c.layer_demand.push_back(x / weights->layer_compute_total_ms);
  return c;
}

}  // namespace chimera::metis
