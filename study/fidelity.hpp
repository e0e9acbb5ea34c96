#pragma once
// Fidelity reports: the same scenario or sweep points under several network models (flow-level
// CM02 and LV08, packet-level ns-3), side by side with the alpha-beta closed form (collective
// points) and with imported references (reference_csv.hpp); the wall time of each run shows
// what each digit of fidelity costs.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace chimera {

struct FidelityRequest {
  std::string target;  // a scenario file, or a sweep file
  std::vector<std::string> models = {"CM02", "LV08", "ns-3"};
  std::string reference;  // CSV, optional
  std::optional<double> clock_ghz;
  std::vector<std::size_t> points;  // sweep points to run; empty = all
  std::optional<double> payload_efficiency;
  int jobs = 1;
};

// {"target", "kind", "models", "points": [...], "summary": {model: {...}}, "reference": ...}.
// Wall times are part of this result (they are what the report measures).
nlohmann::json run_fidelity(const FidelityRequest& request);
std::string fidelity_text(const nlohmann::json& report);
std::string fidelity_csv(const nlohmann::json& report);

}  // namespace chimera
