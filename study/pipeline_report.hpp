#pragma once
// The pipeline part of a scenario report, when a [schedule] ran: the schedule, the layer
// partition with each stage's memory, and per rank the bubble ratio and peak memory (weights,
// gradients, optimizer state, the activation peak over the simulated timeline), against the
// capacity of the rank's hardware preset.
#include <nlohmann/json.hpp>
#include <string>

#include "study/scenario.hpp"
#include "study/scenario_run.hpp"

namespace chimera {

nlohmann::json pipeline_report_json(const Scenario& s, const ScenarioRun& run);
std::string pipeline_report_text(const nlohmann::json& pipeline);

}  // namespace chimera
