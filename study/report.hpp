#pragma once
// The report of a scenario run: iteration time, per-rank compute / exposed communication /
// idle, totals, and the inputs that produced it. As text, JSON and CSV.
#include <nlohmann/json.hpp>
#include <string>

#include "study/scenario.hpp"
#include "study/scenario_run.hpp"

namespace chimera {

nlohmann::json report_json(const Scenario& s, const ScenarioRun& run);
std::string report_text(const nlohmann::json& report);
std::string report_csv(const nlohmann::json& report);

// The "inputs" block every report carries: scenario, platform, network model, presets, version.
nlohmann::json provenance(const Scenario& s, const std::string& compute_description);

}  // namespace chimera
