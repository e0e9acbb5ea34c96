#include "common/units.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <set>
#include <stdexcept>
#include <utility>

namespace chimera {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Splits "12.5 GiB" into 12.5 and "GiB".
std::pair<double, std::string> split_number(std::string_view text, std::string_view what,
                                            std::string_view valid) {
  std::string_view s = trim(text);
  double value = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || ptr == s.data())
    throw std::invalid_argument(fmt::format("'{}' is not a {}; valid: {}", text, what, valid));
  std::string unit(trim(std::string_view(ptr, s.data() + s.size() - ptr)));
  if (!std::isfinite(value) || value < 0)
    throw std::invalid_argument(fmt::format("'{}' must be a finite non-negative {}", text, what));
  return {value, unit};
}

template <class Table>
double scaled(std::string_view text, std::string_view what, std::string_view valid,
              const Table& units, bool bare_allowed) {
  auto [value, unit] = split_number(text, what, valid);
  if (unit.empty()) {
    if (bare_allowed) return value;
    throw std::invalid_argument(fmt::format("'{}' has no unit; valid: {}", text, valid));
  }
  for (const auto& [name, factor] : units)
    if (unit == name) return value * factor;
  throw std::invalid_argument(fmt::format("unknown unit '{}' in '{}'; valid: {}", unit, text, valid));
}

constexpr double KiB = 1024.0, MiB = KiB * 1024, GiB = MiB * 1024, TiB = GiB * 1024;

const std::pair<const char*, double> kByteUnits[] = {
    {"B", 1},     {"KB", 1e3},   {"kB", 1e3},   {"MB", 1e6},   {"GB", 1e9},
    {"TB", 1e12}, {"KiB", KiB},  {"MiB", MiB},  {"GiB", GiB},  {"TiB", TiB}};

const std::pair<const char*, double> kBandwidthUnits[] = {
    {"Bps", 1},       {"KBps", 1e3},     {"kBps", 1e3},     {"MBps", 1e6},     {"GBps", 1e9},
    {"TBps", 1e12},   {"B/s", 1},        {"KB/s", 1e3},     {"MB/s", 1e6},     {"GB/s", 1e9},
    {"TB/s", 1e12},   {"KiBps", KiB},    {"MiBps", MiB},    {"GiBps", GiB},    {"KiB/s", KiB},
    {"MiB/s", MiB},   {"GiB/s", GiB},    {"bps", 0.125},    {"Kbps", 125.0},   {"kbps", 125.0},
    {"Mbps", 1.25e5}, {"Gbps", 1.25e8},  {"Tbps", 1.25e11}, {"b/s", 0.125},    {"Kb/s", 125.0},
    {"Mb/s", 1.25e5}, {"Gb/s", 1.25e8},  {"Tb/s", 1.25e11}};

const std::pair<const char*, double> kTimeUnits[] = {
    {"s", 1}, {"ms", 1e-3}, {"us", 1e-6}, {"µs", 1e-6}, {"ns", 1e-9}, {"ps", 1e-12}};

}  // namespace

double parse_bytes(std::string_view text) {
  return scaled(text, "size in bytes", "a number with B, KB, MB, GB, KiB, MiB, GiB or TiB, e.g. 4MiB",
                kByteUnits, true);
}

double parse_bandwidth(std::string_view text) {
  return scaled(text, "bandwidth", "a number with Bps, GBps, GB/s, Gbps, ... e.g. 50GBps or 400Gbps",
                kBandwidthUnits, false);
}

double parse_duration(std::string_view text) {
  return scaled(text, "duration", "a number with s, ms, us, ns or ps, e.g. 100ns", kTimeUnits, true);
}

std::vector<double> parse_byte_sweep(std::string_view text) {
  std::vector<double> out;
  std::string_view s = trim(text);
  if (s.find(',') != std::string_view::npos) {
    while (!s.empty()) {
      auto comma = s.find(',');
      out.push_back(parse_bytes(s.substr(0, comma)));
      if (comma == std::string_view::npos) break;
      s.remove_prefix(comma + 1);
    }
    return out;
  }
  auto colon = s.find(':');
  if (colon == std::string_view::npos) return {parse_bytes(s)};
  double lo = parse_bytes(s.substr(0, colon)), hi = parse_bytes(s.substr(colon + 1));
  if (lo <= 0 || hi < lo)
    throw std::invalid_argument(fmt::format(
        "'{}' is not a size sweep; valid: MIN:MAX with 0 < MIN <= MAX, e.g. 4KiB:4GiB", text));
  for (double b = lo; b <= hi * (1 + 1e-12); b *= 2) out.push_back(b);
  return out;
}

std::vector<int> parse_shape(std::string_view text) {
  std::vector<int> dims;
  std::size_t start = 0;
  while (true) {
    std::size_t x = text.find('x', start);
    std::string_view part = text.substr(start, x == std::string_view::npos ? std::string_view::npos : x - start);
    int d = 0;
    auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), d);
    if (ec != std::errc() || ptr != part.data() + part.size() || d < 1)
      throw std::invalid_argument(fmt::format("'{}' is not a shape; valid: dimensions >= 1 joined by x, e.g. 4x2", text));
    dims.push_back(d);
    if (x == std::string_view::npos) return dims;
    start = x + 1;
  }
}

std::vector<int> parse_rank_list(std::string_view text) {
  std::vector<int> out;
  std::set<int> seen;
  std::string_view s = trim(text);
  auto bad = [&](std::string_view why) {
    return std::invalid_argument(
        fmt::format("'{}' is not a rank list ({}); valid: e.g. 0-7 or 0,2,4-6", text, why));
  };
  auto number = [&](std::string_view t) {
    t = trim(t);
    int v = 0;
    auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (ec != std::errc() || ptr != t.data() + t.size() || v < 0) throw bad("not a rank number");
    if (v > kMaxRankNumber) throw bad(fmt::format("rank {} is above {}", v, kMaxRankNumber));
    return v;
  };
  if (s.empty()) throw bad("empty");
  while (!s.empty()) {
    auto comma = s.find(',');
    std::string_view item = s.substr(0, comma);
    auto dash = item.find('-');
    int a = number(item.substr(0, dash));
    int b = dash == std::string_view::npos ? a : number(item.substr(dash + 1));
    if (b < a) throw bad("descending range");
    for (int r = a; r <= b; ++r) {
      if (!seen.insert(r).second) throw bad(fmt::format("rank {} listed twice", r));
      out.push_back(r);
    }
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

std::string format_bytes(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int i = 0;
  while (bytes >= 1024 && i < 4) bytes /= 1024, ++i;
  if (bytes == std::floor(bytes)) return fmt::format("{:.0f} {}", bytes, units[i]);
  return fmt::format("{:.2f} {}", bytes, units[i]);
}

std::string format_bandwidth(double bps) {
  if (bps >= 1e9) return fmt::format("{:.2f} GB/s", bps / 1e9);
  if (bps >= 1e6) return fmt::format("{:.2f} MB/s", bps / 1e6);
  return fmt::format("{:.2f} KB/s", bps / 1e3);
}

std::string format_duration(double s) {
  double a = std::fabs(s);
  if (a >= 1) return fmt::format("{:.4f} s", s);
  if (a >= 1e-3) return fmt::format("{:.4f} ms", s * 1e3);
  if (a >= 1e-6) return fmt::format("{:.3f} us", s * 1e6);
  return fmt::format("{:.1f} ns", s * 1e9);
}

}  // namespace chimera
