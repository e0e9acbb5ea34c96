#include "platforms/contention.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

namespace chimera {

double ContentionCurve::at(int flows) const {
  if (flows <= 0 || efficiency.empty()) return 1.0;
  std::size_t i = static_cast<std::size_t>(flows) - 1;
  return i < efficiency.size() ? efficiency[i] : efficiency.back();
}

ContentionCurve linear_contention(int peers, double floor) {
  ContentionCurve c;
  if (peers <= 1) {
    c.efficiency = {1.0};
    return c;
  }
  for (int n = 1; n <= peers; ++n) c.efficiency.push_back(1.0 - (1.0 - floor) * (n - 1) / (peers - 1));
  return c;
}

std::optional<ContentionCurve> parse_contention(const std::string& text, std::string& problem) {
  ContentionCurve c;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    std::string_view item = std::string_view(text).substr(start, end - start);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    double v = 0;
    auto [p, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
    if (item.empty() || ec != std::errc() || p != item.data() + item.size()) {
      problem = fmt::format("'{}' is not a list of numbers", text);
      return std::nullopt;
    }
    if (!(v > 0 && v <= 1)) {
      problem = fmt::format("efficiency {} is outside (0, 1]", v);
      return std::nullopt;
    }
    c.efficiency.push_back(v);
    start = end + 1;
  }
  return c;
}

std::string format_contention(const ContentionCurve& c) {
  std::string out;
  for (double e : c.efficiency) out += fmt::format("{}{}", out.empty() ? "" : ",", e);
  return out;
}

}  // namespace chimera
