#include "calibration/calibrate.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>

namespace chimera {
namespace {

double median(std::vector<double> v) {
  if (v.empty()) return std::nan("");
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

std::string base(const std::string& file) { return std::filesystem::path(file).filename().string(); }

// ---- a small scanner over SimGrid platform XML: enough for the files users and generators
// write (attributes in double quotes; <prop id=".." value=".."/> children).

struct Element {
  std::size_t begin = 0, open_end = 0, end = 0;  // [begin, end): the whole element; open tag ends at open_end
  bool self_closing = false;
};

std::string attribute(const std::string& tag, const std::string& name) {
  const std::string key = " " + name + "=\"";
  auto p = tag.find(key);
  if (p == std::string::npos) return {};
  p += key.size();
  auto q = tag.find('"', p);
  return q == std::string::npos ? std::string() : tag.substr(p, q - p);
}

std::string set_attribute(std::string tag, const std::string& name, const std::string& value) {
  const std::string key = " " + name + "=\"";
  auto p = tag.find(key);
  if (p == std::string::npos) {
    auto close = tag.find_last_of('>');
    std::size_t at = (close > 0 && tag[close - 1] == '/') ? close - 1 : close;
    return tag.insert(at, fmt::format(" {}=\"{}\"", name, value));
  }
  p += key.size();
  auto q = tag.find('"', p);
  return tag.replace(p, q - p, value);
}

// Finds the next <link ...> element from `from`.
std::optional<Element> next_element(const std::string& xml, const std::string& name, std::size_t from) {
  const std::string open = "<" + name;
  while (true) {
    auto b = xml.find(open, from);
    if (b == std::string::npos) return std::nullopt;
    const char after = b + open.size() < xml.size() ? xml[b + open.size()] : '>';
    if (after != ' ' && after != '>' && after != '\n' && after != '\t') {
      from = b + 1;
      continue;
    }
    Element e;
    e.begin = b;
    auto gt = xml.find('>', b);
    if (gt == std::string::npos) return std::nullopt;
    e.open_end = gt + 1;
    e.self_closing = xml[gt - 1] == '/';
    if (e.self_closing) {
      e.end = e.open_end;
    } else {
      auto close = xml.find("</" + name + ">", e.open_end);
      if (close == std::string::npos) return std::nullopt;
      e.end = close + name.size() + 3;
    }
    return e;
  }
}

// The value of <prop id="key" value="..."/> inside [from, to), or empty.
std::string prop_in(const std::string& xml, std::size_t from, std::size_t to, const std::string& key) {
  const std::string needle = "<prop id=\"" + key + "\" value=\"";
  auto p = xml.find(needle, from);
  if (p == std::string::npos || p >= to) return {};
  p += needle.size();
  auto q = xml.find('"', p);
  return xml.substr(p, q - p);
}

// `body` (between the open tag and the closing tag) with the prop set to `value`.
std::string set_prop(std::string body, const std::string& key, const std::string& value, const std::string& indent) {
  const std::string needle = "<prop id=\"" + key + "\" value=\"";
  auto p = body.find(needle);
  if (p != std::string::npos) {
    p += needle.size();
    auto q = body.find('"', p);
    return body.replace(p, q - p, value);
  }
  return fmt::format("\n{}<prop id=\"{}\" value=\"{}\"/>", indent, key, value) + body;
}

double seconds_of(const std::string& text) {
  // SimGrid latencies: a number with an optional unit (s, ms, us, ns, ps).
  double v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc()) return std::nan("");
  std::string unit(p, text.data() + text.size());
  if (unit.empty() || unit == "s") return v;
  if (unit == "ms") return v * 1e-3;
  if (unit == "us") return v * 1e-6;
  if (unit == "ns") return v * 1e-9;
  if (unit == "ps") return v * 1e-12;
  return std::nan("");
}

std::string number_text(double v) { return fmt::format("{:.6g}", v); }

bool is_collective(NcclTest t) {
  return t == NcclTest::all_reduce || t == NcclTest::all_gather || t == NcclTest::reduce_scatter;
}

}  // namespace

std::vector<bool> bandwidth_bound(const NcclTestsRun& run) {
  double best = 0;
  for (const auto& r : run.rows) best = std::max(best, r.busbw_Bps);
  std::vector<bool> out;
  for (const auto& r : run.rows) out.push_back(best > 0 && r.busbw_Bps >= 0.8 * best);
  return out;
}

std::vector<bool> latency_bound(const NcclTestsRun& run) {
  double smallest = std::numeric_limits<double>::infinity();
  for (const auto& r : run.rows) smallest = std::min(smallest, r.time_s);
  std::vector<bool> out;
  for (const auto& r : run.rows) out.push_back(r.bytes > 0 && r.time_s < 2 * smallest);
  return out;
}

PlatformParameters fit_parameters(const std::vector<NcclTestsRun>& runs, const std::vector<RunRoute>& routes,
                                  const std::vector<std::vector<double>>& simulated_s, const PlatformParameters& old,
                                  std::vector<FitStep>& steps) {
  PlatformParameters out = old;
  std::map<std::string, std::vector<double>> bw_ratios, lat_ratios;  // parameter -> ratios
  std::map<std::string, std::string> sources;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const NcclTestsRun& run = runs[i];
    const RunRoute& route = routes[i];
    const auto bw = bandwidth_bound(run), lat = latency_bound(run);
    const bool nvls = route.nvls_at_large && run.test == NcclTest::all_reduce;
    const std::string bw_param = nvls ? "nvls_efficiency" : "payload_efficiency[" + route.bottleneck_role + "]";
    int nb = 0, nl = 0;
    for (std::size_t j = 0; j < run.rows.size(); ++j) {
      const double sim = simulated_s[i][j], meas = run.rows[j].time_s;
      if (!(sim > 0) || !(meas > 0)) continue;
      if (bw[j] && !route.bottleneck_role.empty()) bw_ratios[bw_param].push_back(sim / meas), ++nb;
      // Under NCCL's model a small point-to-point or all-to-all time is mostly NCCL's per-call
      // software cost, which the model has no parameter for outside its ring and NVLS
      // latencies: writing it into the links' latency would charge it again on every ring step.
      if (lat[j] && (is_collective(run.test) || !route.nccl_model)) {
        if (route.nccl_model) {
          lat_ratios["collective_latency_scale"].push_back(meas / sim);
        } else {
          for (const auto& role : route.roles) lat_ratios["latency[" + role + "]"].push_back(meas / sim);
        }
        ++nl;
      }
    }
    if (nb) sources[bw_param] += fmt::format("{}{}: {} bandwidth-bound sizes", sources[bw_param].empty() ? "" : "; ",
                                             base(run.file), nb);
    if (nl) {
      auto add = [&](const std::string& p) {
        sources[p] += fmt::format("{}{}: {} latency-bound sizes", sources[p].empty() ? "" : "; ", base(run.file), nl);
      };
      if (route.nccl_model) add("collective_latency_scale");
      else
        for (const auto& role : route.roles) add("latency[" + role + "]");
    }
  }
  for (const auto& [param, ratios] : bw_ratios) {
    const double r = median(ratios);
    if (param == "nvls_efficiency") {
      out.nvls_efficiency = std::min(1.0, old.nvls_efficiency * r);
      steps.push_back({param, old.nvls_efficiency, out.nvls_efficiency, sources[param]});
      continue;
    }
    const std::string role = param.substr(19, param.size() - 20);
    const double before = old.role_efficiency.count(role) ? old.role_efficiency.at(role) : 1.0;
    out.role_efficiency[role] = std::min(1.0, before * r);
    steps.push_back({param, before, out.role_efficiency[role], sources[param]});
  }
  for (const auto& [param, ratios] : lat_ratios) {
    const double r = median(ratios);
    if (param == "collective_latency_scale") {
      out.latency_scale = old.latency_scale * r;
      steps.push_back({param, old.latency_scale, out.latency_scale, sources[param]});
      continue;
    }
    const std::string role = param.substr(8, param.size() - 9);
    const double before = old.role_latency_s.count(role) ? old.role_latency_s.at(role) : 0.0;
    out.role_latency_s[role] = before * r;
    steps.push_back({param, before, out.role_latency_s[role], sources[param]});
  }
  return out;
}

PlatformParameters read_parameters(const std::string& xml) {
  PlatformParameters p;
  std::size_t at = 0;
  while (auto e = next_element(xml, "link", at)) {
    at = e->end;
    const std::string role = prop_in(xml, e->open_end, e->end, "role");
    if (role.empty()) continue;
    const std::string tag = xml.substr(e->begin, e->open_end - e->begin);
    if (!p.role_latency_s.count(role)) {
      double lat = seconds_of(attribute(tag, "latency"));
      p.role_latency_s[role] = std::isnan(lat) ? 0 : lat;
    }
    if (!p.role_efficiency.count(role)) {
      std::string eff = prop_in(xml, e->open_end, e->end, "payload_efficiency");
      double v = 1;
      if (!eff.empty()) std::from_chars(eff.data(), eff.data() + eff.size(), v);
      p.role_efficiency[role] = v;
    }
  }
  if (auto z = next_element(xml, "zone", 0)) {
    // Only the root zone's own props (before its first child element other than prop).
    auto child = xml.find('<', z->open_end);
    std::size_t limit = z->open_end;
    while (child != std::string::npos && xml.compare(child, 5, "<prop") == 0) {
      limit = xml.find('>', child) + 1;
      child = xml.find('<', limit);
    }
    auto number = [&](const char* key, double& out) {
      std::string v = prop_in(xml, z->open_end, limit, key);
      if (!v.empty()) std::from_chars(v.data(), v.data() + v.size(), out);
    };
    number("collective_latency_scale", p.latency_scale);
    number("nvls_efficiency", p.nvls_efficiency);
  }
  return p;
}

std::string write_parameters(const std::string& xml, const PlatformParameters& before, const PlatformParameters& after,
                             const std::string& note) {
  std::string out;
  std::size_t at = 0;
  // The root zone's props.
  auto z = next_element(xml, "zone", 0);
  std::string text = xml;
  if (z) {
    std::string root_props;
    std::string head = text.substr(0, z->open_end), rest = text.substr(z->open_end);
    auto set_root = [&](const char* key, double v) {
      const std::string needle = std::string("<prop id=\"") + key + "\" value=\"";
      auto p = rest.find(needle);
      auto first_child = rest.find('<');
      while (first_child != std::string::npos && rest.compare(first_child, 5, "<prop") == 0)
        first_child = rest.find('<', rest.find('>', first_child) + 1);
      if (p != std::string::npos && p < first_child) {
        p += needle.size();
        rest.replace(p, rest.find('"', p) - p, number_text(v));
      } else {
        rest.insert(0, fmt::format("\n  <prop id=\"{}\" value=\"{}\"/>", key, number_text(v)));
      }
    };
    if (after.latency_scale != before.latency_scale) set_root("collective_latency_scale", after.latency_scale);
    if (after.nvls_efficiency != before.nvls_efficiency) set_root("nvls_efficiency", after.nvls_efficiency);
    text = head + rest;
  }
  while (auto e = next_element(text, "link", at)) {
    out += text.substr(at, e->begin - at);
    at = e->end;
    std::string element = text.substr(e->begin, e->end - e->begin);
    const std::string role = prop_in(text, e->open_end, e->end, "role");
    if (role.empty() || e->self_closing) {
      out += element;
      continue;
    }
    std::string tag = text.substr(e->begin, e->open_end - e->begin);
    std::string body = text.substr(e->open_end, e->end - e->open_end);
    auto eff = after.role_efficiency.find(role);
    auto old_eff = before.role_efficiency.find(role);
    if (eff != after.role_efficiency.end() && (old_eff == before.role_efficiency.end() || old_eff->second != eff->second))
      body = set_prop(body, "payload_efficiency", number_text(eff->second), "    ");
    auto lat = after.role_latency_s.find(role);
    auto old_lat = before.role_latency_s.find(role);
    if (lat != after.role_latency_s.end() && (old_lat == before.role_latency_s.end() || old_lat->second != lat->second))
      tag = set_attribute(tag, "latency", fmt::format("{}ns", number_text(lat->second * 1e9)));
    out += tag + body;
  }
  out += text.substr(at);
  // The note goes after the DOCTYPE (or the XML declaration).
  std::size_t after_decl = 0;
  for (const char* marker : {"<!DOCTYPE", "<?xml"}) {
    auto p = out.find(marker);
    if (p != std::string::npos) {
      after_decl = out.find('>', p) + 1;
      break;
    }
  }
  std::string safe = note;
  for (std::size_t p; (p = safe.find("--")) != std::string::npos;) safe.replace(p, 2, "- -");
  out.insert(after_decl, "\n<!--\n" + safe + "\n-->");
  return out;
}

}  // namespace chimera
