#include "study/reference_csv.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "study/csv.hpp"
#include "common/input_error.hpp"
#include "common/text_file.hpp"
#include "common/units.hpp"

namespace chimera {
namespace {

std::optional<double> as_number(const std::string& s) {
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// Sizes and numbers compare by value: "1MiB", "1048576" and "1048576.0" are one size.
std::optional<double> as_quantity(const std::string& s) {
  if (auto v = as_number(s)) return v;
  try {
    return parse_bytes(s);
  } catch (const std::invalid_argument&) {
    return std::nullopt;
  }
}

bool same_value(const std::string& a, const std::string& b) {
  if (a == b) return true;
  auto x = as_quantity(a), y = as_quantity(b);
  return x && y && *x == *y;
}

}  // namespace

ReferenceTimes read_reference_csv(const std::string& path, const SweepSpec& sweep, std::optional<double> clock_ghz) {
  return parse_reference_csv(read_text_file(path, "--reference"), path, sweep, clock_ghz);
}

ReferenceTimes parse_reference_csv(std::string_view text, const std::string& path, const SweepSpec& sweep,
                                   std::optional<double> clock_ghz) {
  ReferenceTimes out;
  out.file = path;
  std::vector<std::string> header;
  std::vector<int> axis_of;  // column -> axis index, -1 for non-key columns
  int time_col = -1, clock_col = -1, variant_col = -1;
  bool cycles = false;
  std::string axes_list;
  for (const Axis& a : sweep.axes) axes_list += a.name + ", ";
  const std::string valid_columns =
      axes_list + (sweep.kind == "fusion" ? "variant, " : "") + "and time_s, or time_cycles with clock_ghz";

  std::size_t pos = 0;
  int line_no = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    std::string line(text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos));
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    auto fields = csv_split(line);
    if (header.empty()) {
      header = fields;
      for (std::size_t c = 0; c < header.size(); ++c) {
        const std::string& h = header[c];
        int axis = -1;
        for (std::size_t a = 0; a < sweep.axes.size(); ++a)
          if (sweep.axes[a].name == h) axis = static_cast<int>(a);
        axis_of.push_back(axis);
        if (axis >= 0) continue;
        if (h == "time_s" || h == "time_cycles") {
          if (time_col >= 0)
            throw InputError({path, line_no, int(c) + 1}, h, "a second time column", "one of time_s, time_cycles");
          time_col = static_cast<int>(c);
          cycles = h == "time_cycles";
        } else if (h == "clock_ghz") {
          clock_col = static_cast<int>(c);
        } else if (h == "variant" && sweep.kind == "fusion") {
          variant_col = static_cast<int>(c);
        } else {
          throw InputError({path, line_no, int(c) + 1}, h, "unknown column", valid_columns);
        }
      }
      if (time_col < 0) throw InputError({path, line_no}, "", "no time column", "a column time_s, or time_cycles with a clock");
      if (cycles && clock_col < 0 && !clock_ghz)
        throw InputError({path, line_no}, "time_cycles", "cycles need a clock", "a clock_ghz column, or --clock-ghz");
      if (sweep.kind == "fusion" && variant_col < 0)
        throw InputError({path, line_no}, "variant", "a fusion sweep's reference needs a variant column", "baseline or fused");
      out.unit = cycles ? (clock_col >= 0 ? "cycles (clock_ghz per row)" : fmt::format("cycles at {} GHz", *clock_ghz))
                        : "seconds";
      continue;
    }
    if (fields.size() != header.size())
      throw InputError({path, line_no}, "", fmt::format("{} fields, the header has {}", fields.size(), header.size()));
    auto number = [&](int col) {
      auto v = as_number(fields[col]);
      if (!v || *v < 0) throw InputError({path, line_no, col + 1}, header[col], fmt::format("'{}' is not a number >= 0", fields[col]));
      return *v;
    };
    double t = number(time_col);
    if (cycles) {
      double ghz = clock_col >= 0 ? number(clock_col) : *clock_ghz;
      if (ghz <= 0) throw InputError({path, line_no}, "clock_ghz", "must be positive", "e.g. 1.0");
      t = t / (ghz * 1e9);
    }
    std::string metric = "time_s";
    if (variant_col >= 0) {
      const std::string& v = fields[variant_col];
      if (v != "baseline" && v != "fused")
        throw InputError({path, line_no, variant_col + 1}, "variant", fmt::format("unknown variant '{}'", v), "baseline, fused");
      metric = v + "_s";
    }
    std::vector<std::size_t> matches;
    for (std::size_t i = 0; i < sweep.point_count(); ++i) {
      SweepPoint p = sweep_point(sweep, i);
      bool ok = true;
      for (std::size_t c = 0; c < header.size() && ok; ++c)
        if (axis_of[c] >= 0) ok = same_value(p.labels[axis_of[c]], fields[c]);
      if (ok) matches.push_back(i);
    }
    if (matches.empty())
      throw InputError({path, line_no}, "", "names no point of the sweep", "values of the sweep's axes: " + axes_list);
    if (matches.size() > 1)
      throw InputError({path, line_no}, "", fmt::format("names {} points of the sweep", matches.size()),
                       "a key column for every axis with more than one value");
    if (out.times[matches.front()].count(metric))
      throw InputError({path, line_no}, "", fmt::format("a second {} for point {}", metric, matches.front()));
    out.times[matches.front()][metric] = t;
  }
  if (header.empty()) throw InputError({path}, "", "empty reference file", "a header and rows");
  return out;
}

}  // namespace chimera
