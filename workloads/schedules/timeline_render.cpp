#include "workloads/schedules/timeline_render.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <set>

namespace chimera {
namespace {

bool is_multiple(double x, double q) {
  double k = std::round(x / q);
  return std::abs(x - k * q) <= 1e-9 * std::max(1.0, std::abs(x));
}

// The largest quantum dividing every compute duration and start (durations 1 and 2 -> 1;
// 0.5 and 1 -> 0.5); up to 1/12 of the shortest duration, else that.
double quantum(const PipelineSchedule& s, const ScheduleTimeline& t) {
  std::set<double> values;
  double shortest = 0;
  for (int w = 0; w < s.workers; ++w)
    for (std::size_t i = 0; i < s.actions[w].size(); ++i)
      if (is_compute(s.actions[w][i].type)) {
        double d = t.timings[w][i].end - t.timings[w][i].start;
        if (d <= 0) continue;
        values.insert(d);
        values.insert(t.timings[w][i].start);
        shortest = shortest == 0 ? d : std::min(shortest, d);
      }
  if (shortest == 0) return 1;
  for (int k = 1; k <= 12; ++k) {
    double q = shortest / k;
    if (std::all_of(values.begin(), values.end(), [&](double x) { return is_multiple(x, q); })) return q;
  }
  return shortest / 12;
}

std::string xml_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else out += c;
  }
  return out;
}

char type_char(ActionType t) { return t == ActionType::forward ? 'F' : t == ActionType::backward ? 'B' : 'W'; }

}  // namespace

std::string ascii_timeline(const PipelineSchedule& s, const ScheduleTimeline& t, int max_columns) {
  const double q = quantum(s, t);
  const long cells = std::lround(std::ceil(t.iteration_time / q - 1e-9));
  const bool compact = cells > max_columns;
  std::string out;
  if (!compact) {
    std::size_t width = 2;
    for (int w = 0; w < s.workers; ++w)
      for (const Action& a : s.actions[w])
        if (is_compute(a.type)) width = std::max(width, action_label(s, a).size());
    std::vector<std::vector<std::string>> grid(s.workers, std::vector<std::string>(cells, "."));
    for (int w = 0; w < s.workers; ++w)
      for (std::size_t i = 0; i < s.actions[w].size(); ++i) {
        const Action& a = s.actions[w][i];
        if (!is_compute(a.type)) continue;
        long c0 = std::lround(t.timings[w][i].start / q), c1 = std::lround(t.timings[w][i].end / q);
        for (long c = c0; c < c1 && c < cells; ++c) grid[w][c] = c == c0 ? action_label(s, a) : "==";
      }
    out += fmt::format("{:<4}", "t");
    for (long c = 0; c < cells; ++c) out += fmt::format(" {:<{}}", fmt::format("{:g}", c * q), width);
    while (!out.empty() && out.back() == ' ') out.pop_back();
    out += "\n";
    for (int w = 0; w < s.workers; ++w) {
      out += fmt::format("{:<4}", worker_name(w));
      for (long c = 0; c < cells; ++c) out += fmt::format(" {:<{}}", grid[w][c], width);
      while (!out.empty() && out.back() == ' ') out.pop_back();
      out += "\n";
    }
    return out;
  }
  const long per = (cells + max_columns - 1) / max_columns;
  const double span = per * q;
  const long columns = (cells + per - 1) / per;
  out += fmt::format("(one column = {:g} time units, aggregated: the kind of work that filled most of it, F forward, "
                     "B backward, W weight gradient; . idle for more than half of it)\n",
                     span);
  for (int w = 0; w < s.workers; ++w) {
    // Busy time per column and kind: every action adds its overlap with each column it spans,
    // so a column never shows one instant's state (sampling showed a steady 1F1B as all F).
    std::vector<std::array<double, 3>> busy(columns, {0, 0, 0});
    for (std::size_t i = 0; i < s.actions[w].size(); ++i) {
      const Action& a = s.actions[w][i];
      if (!is_compute(a.type)) continue;
      const double start = t.timings[w][i].start, end = t.timings[w][i].end;
      const int kind = a.type == ActionType::forward ? 0 : a.type == ActionType::backward ? 1 : 2;
      for (long c = std::max(0L, static_cast<long>(start / span)); c < columns && c * span < end; ++c)
        busy[c][kind] += std::max(0.0, std::min(end, (c + 1) * span) - std::max(start, c * span));
    }
    std::string row(columns, '.');
    for (long c = 0; c < columns; ++c) {
      const auto& b = busy[c];
      const double total = b[0] + b[1] + b[2];
      const double width_c = std::min(span, t.iteration_time - c * span);
      if (total * 2 < width_c) continue;
      const int top = static_cast<int>(std::max_element(b.begin(), b.end()) - b.begin());
      row[c] = "FBW"[top];
    }
    out += fmt::format("{:<4} {}\n", worker_name(w), row);
  }
  return out;
}

std::string svg_timeline(const PipelineSchedule& s, const ScheduleTimeline& t, const std::string& title) {
  const double row_h = 28, left = 48, top = 40, width = 1100;
  const double scale = t.iteration_time > 0 ? (width - left - 20) / t.iteration_time : 1;
  const double height = top + row_h * s.workers + 40;
  std::string out = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{:g}\" height=\"{:g}\" font-family=\"monospace\" "
      "font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      "<text x=\"{:g}\" y=\"20\" font-size=\"13\">{}</text>\n",
      width, height, left, xml_escape(title));
  auto color = [&](const Action& a) {
    const bool up = s.pipes[a.pipe].tag == 'u';
    switch (a.type) {
      case ActionType::forward: return up ? "#f6c28b" : "#9ec5f8";
      case ActionType::backward: return up ? "#e07b24" : "#2f6db5";
      default: return "#5aa95a";
    }
  };
  for (int w = 0; w < s.workers; ++w) {
    const double y = top + row_h * w;
    out += fmt::format("<text x=\"4\" y=\"{:g}\">{}</text>\n", y + row_h * 0.65, worker_name(w));
    for (std::size_t i = 0; i < s.actions[w].size(); ++i) {
      const Action& a = s.actions[w][i];
      const double x = left + t.timings[w][i].start * scale;
      if (a.type == ActionType::gradient_sync) {
        out += fmt::format("<line x1=\"{0:g}\" y1=\"{1:g}\" x2=\"{0:g}\" y2=\"{2:g}\" stroke=\"#c0392b\" "
                           "stroke-width=\"2\"><title>{3}</title></line>\n",
                           x, y + 1, y + row_h - 3, action_label(s, a));
        continue;
      }
      if (!is_compute(a.type)) continue;
      const double wd = (t.timings[w][i].end - t.timings[w][i].start) * scale;
      const std::string label = action_label(s, a);
      out += fmt::format("<rect x=\"{:g}\" y=\"{:g}\" width=\"{:g}\" height=\"{:g}\" fill=\"{}\" stroke=\"white\">"
                         "<title>{} {:g}-{:g}</title></rect>\n",
                         x, y + 2, wd, row_h - 6, color(a), label, t.timings[w][i].start, t.timings[w][i].end);
      if (wd >= 7.0 * label.size()) out += fmt::format("<text x=\"{:g}\" y=\"{:g}\">{}</text>\n", x + 2, y + row_h * 0.6, label);
    }
  }
  out += fmt::format("<text x=\"{:g}\" y=\"{:g}\">0</text><text x=\"{:g}\" y=\"{:g}\" text-anchor=\"end\">{:g}</text>\n", left,
                     height - 12, left + t.iteration_time * scale, height - 12, t.iteration_time);
  return out + "</svg>\n";
}

}  // namespace chimera
