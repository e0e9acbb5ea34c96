#include "planner/metis_cluster.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <nlohmann/json.hpp>
#include <set>

#include "common/input_error.hpp"
#include "common/strings.hpp"
#include "common/text_file.hpp"

namespace chimera::metis {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split_ws(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    std::size_t j = i;
    while (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j]))) ++j;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

constexpr const char* kHostfileLine = "one node per line: ADDRESS slots=K, e.g. '0.0.0.4 slots=4'";

}  // namespace

std::vector<HostfileNode> parse_hostfile(std::string_view text, const std::string& path, bool one_digit_slots) {
  std::vector<HostfileNode> nodes;
  int line_no = 0;
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++line_no;
    line = trim(line);
    if (line.empty() || line.front() == '#') continue;
    auto tokens = split_ws(line);
    SourceLocation where{path, line_no};
    if (tokens.size() != 2)
      throw InputError(where, "hostfile", fmt::format("expected 2 fields, found {} in '{}'", tokens.size(), line),
                       kHostfileLine);
    std::string_view slots = tokens[1];
    if (slots.substr(0, 6) != "slots=")
      throw InputError(where, "hostfile", fmt::format("second field '{}' does not start with 'slots='", slots),
                       kHostfileLine);
    std::string_view digits = slots.substr(6);
    int k = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), k);
    if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() || k < 1)
      throw InputError(where, "slots", fmt::format("'{}' is not a positive whole number of GPUs", digits),
                       "an integer >= 1");
    if (one_digit_slots && k > 9)
      throw InputError(where, "slots",
                       fmt::format("slots={} has more than one digit; the reference planner reads only the first "
                                   "character and would use {} GPUs",
                                   k, digits.front()),
                       "1..9 with --compat, any count without --compat");
    nodes.push_back({std::string(tokens[0]), k, line_no});
  }
  if (nodes.empty()) throw InputError({path}, "hostfile", "no nodes listed", kHostfileLine);
  return nodes;
}

std::vector<HostfileNode> read_hostfile(const std::string& path, bool one_digit_slots) {
  return parse_hostfile(read_text_file(path, "hostfile"), path, one_digit_slots);
}

std::string generate_hostfile(int n) {
  std::string out;
  for (int i = 0; i < n / 4; ++i) out += "0.0.0.1 slots=4\n";
  for (int i = 0; i < n / 4; ++i) out += "0.0.0.4 slots=4\n";
  return out;
}

std::vector<NodeSpec> parse_cluster_file(std::string_view text, const std::string& path) {
  nlohmann::ordered_json doc;
  try {
    doc = nlohmann::ordered_json::parse(text);
  } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range for a number beyond a double
    throw InputError({path}, "cluster file", fmt::format("not valid JSON: {}", e.what()));
  }
  const std::string kValid = "an object {ADDRESS: {instance_type, inter_bandwidth, intra_bandwidth, memory}}";
  if (!doc.is_object() || doc.empty()) throw InputError({path}, "cluster file", "not a non-empty JSON object", kValid);
  std::vector<NodeSpec> specs;
  for (const auto& [address, entry] : doc.items()) {
    if (!entry.is_object()) throw InputError({path}, address, "is not an object", kValid);
    NodeSpec spec;
    spec.address = address;
    for (const auto& [key, value] : entry.items()) {
      std::string where = address + "." + key;
      if (key == "instance_type") {
        if (!value.is_string()) throw InputError({path}, where, "is not a string", "a GPU type such as \"A100\"");
        spec.type = to_upper(value.get<std::string>());
        bool ok = !spec.type.empty() && std::all_of(spec.type.begin(), spec.type.end(), [](unsigned char c) {
          return std::isalnum(c) != 0;
        });
        if (!ok) throw InputError({path}, where, fmt::format("'{}' is not a GPU type name", spec.type), "letters and digits");
        continue;
      }
      double* target = key == "inter_bandwidth" ? &spec.inter_bandwidth
                       : key == "intra_bandwidth" ? &spec.intra_bandwidth
                       : key == "memory"          ? &spec.memory_gb
                                                  : nullptr;
      if (!target)
        throw InputError({path}, where, "unknown key", "instance_type, inter_bandwidth, intra_bandwidth, memory");
      if (!value.is_number() || !(value.get<double>() > 0))
        throw InputError({path}, where, fmt::format("{} is not a positive number", value.dump()),
                         key == "memory" ? "GB per GPU, > 0" : "GB/s, > 0");
      *target = value.get<double>();
    }
    for (auto [key, missing] : {std::pair{"instance_type", spec.type.empty()},
                                {"inter_bandwidth", spec.inter_bandwidth == 0},
                                {"intra_bandwidth", spec.intra_bandwidth == 0},
                                {"memory", spec.memory_gb == 0}})
      if (missing) throw InputError({path}, address + "." + key, "missing", kValid);
    specs.push_back(std::move(spec));
  }
  return specs;
}

std::vector<NodeSpec> read_cluster_file(const std::string& path) {
  return parse_cluster_file(read_text_file(path, "cluster file"), path);
}

int Cluster::type_index(std::string_view name) const {
  for (std::size_t i = 0; i < types.size(); ++i)
    if (types[i] == name) return static_cast<int>(i);
  return -1;
}

std::vector<std::string> default_type_order(const std::vector<std::string>& present) {
  static const char* kKnown[] = {"A100", "V100", "P100", "T4"};
  std::vector<std::string> order;
  for (const char* t : kKnown)
    if (std::find(present.begin(), present.end(), t) != present.end()) order.push_back(t);
  std::vector<std::string> rest;
  for (const auto& t : present)
    if (std::find(order.begin(), order.end(), t) == order.end() && std::find(rest.begin(), rest.end(), t) == rest.end())
      rest.push_back(t);
  std::sort(rest.begin(), rest.end());
  order.insert(order.end(), rest.begin(), rest.end());
  return order;
}

Cluster make_cluster(const std::vector<HostfileNode>& hosts, const std::string& hostfile_path,
                     const std::vector<NodeSpec>& specs, const std::string& cluster_path,
                     const std::vector<std::string>& type_order, bool uniform_slots) {
  Cluster c;
  c.hostfile_path = hostfile_path;
  c.cluster_path = cluster_path;
  auto spec_of = [&](const std::string& address) -> const NodeSpec* {
    for (const auto& s : specs)
      if (s.address == address) return &s;
    return nullptr;
  };
  std::vector<std::string> present;
  for (const auto& h : hosts) {
    const NodeSpec* s = spec_of(h.address);
    if (!s) {
      std::string known;
      for (const auto& sp : specs) known += (known.empty() ? "" : ", ") + sp.address;
      throw InputError({hostfile_path, h.line}, h.address, fmt::format("address not described in {}", cluster_path),
                       known);
    }
    if (std::find(present.begin(), present.end(), s->type) == present.end()) present.push_back(s->type);
  }
  if (type_order.empty()) {
    c.types = default_type_order(present);
  } else {
    std::set<std::string> given(type_order.begin(), type_order.end()), want(present.begin(), present.end());
    if (given.size() != type_order.size() || given != want) {
      std::string list;
      for (const auto& t : default_type_order(present)) list += (list.empty() ? "" : ",") + t;
      throw option_error("--type-order", "must name each GPU type of the hostfile exactly once",
                         fmt::format("a permutation of {}", list));
    }
    c.types = type_order;
  }
  for (const auto& t : c.types) {
    for (const auto& s : specs)
      if (s.type == t) {  // the first address with that type describes it, as in the reference
        c.memory_mb.push_back(s.memory_gb * 1024);
        c.intra_bandwidth.push_back(s.intra_bandwidth);
        c.inter_bandwidth.push_back(s.inter_bandwidth);
        break;
      }
  }
  for (const auto& h : hosts) {
    if (uniform_slots && h.slots != hosts.front().slots)
      throw InputError({hostfile_path, h.line}, "slots",
                       fmt::format("slots={} differs from the first node's {}; the reference planner assumes every "
                                   "node has the first node's GPU count",
                                   h.slots, hosts.front().slots),
                       "equal slot counts with --compat, any counts without --compat");
    c.nodes.push_back({c.type_index(spec_of(h.address)->type), h.slots, h.line, h.address});
  }
  return c;
}

}  // namespace chimera::metis
