#pragma once
// NVSwitch-style port contention: the capacity of a GPU's port falls as more flows cross it at
// once. A curve lists the efficiency with 1, 2, 3, ... concurrent flows (beyond the last
// entry the last value holds); the port then carries capacity x efficiency(n), shared fairly
// by its n flows. On a platform the curve is a link property,
//   <prop id="contention" value="1,0.9167,0.8333,0.75,0.6667,0.5833,0.5"/>,
// which the loader installs with SimGrid's non-linear sharing policy (C++ only: XML cannot
// say NONLINEAR).
#include <optional>
#include <string>
#include <vector>

namespace chimera {

struct ContentionCurve {
  std::vector<double> efficiency;  // [n-1] = efficiency with n concurrent flows; each in (0, 1]
  double at(int flows) const;      // 1 for 0 flows
};

// Linear from 1 (one flow) down to `floor` with `peers` concurrent flows: the default for an
// n-GPU switch is peers = n - 1 and floor = 0.5 ("about half with all 7 peers busy").
ContentionCurve linear_contention(int peers, double floor);

// "1,0.9,0.8" -> curve; nullopt with `problem` set when malformed or out of (0, 1].
std::optional<ContentionCurve> parse_contention(const std::string& text, std::string& problem);
// Shortest text that reads back to the same curve.
std::string format_contention(const ContentionCurve& c);

}  // namespace chimera
