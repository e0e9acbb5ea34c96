#pragma once
// One fusion-pair measurement: baseline and fused variants of a pair, each simulated in its own
// process, compared. Shared by `chimera-sim fusion` and sweeps.
#include <nlohmann/json.hpp>
#include <string>

#include "workloads/fusion_pairs.hpp"

namespace chimera {

struct FusionRequest {
  std::string pair_text;
  double bytes = 0;               // M (synthetic case)
  std::string platform;           // XML file
  std::string groups = "linear";  // placement name or spec
  std::string case_name = "synthetic";
  std::string ppsp_volume = "replicated";
  int top_k = 2;
  std::string algorithm = "auto";
  std::string network = "CM02";
  std::string granularity = "step";
  double reduction_seconds_per_byte = 0;
  double payload_efficiency = 1.0;
};

// Validates the request (InputError naming the option), runs both variants, returns
// {pair, case, bytes, baseline_s, fused_s, speedup, baseline{...}, fused{...}, inputs}.
nlohmann::json run_fusion(const FusionRequest& request);
// The same checks without running anything.
void validate_fusion(const FusionRequest& request);
std::string fusion_text(const nlohmann::json& result);

// "source=0,1,5,6@2x2;target=...;subgroups=0,5|1,6@1x2" or a placement name.
PairPlacement parse_placement(const std::string& text);

}  // namespace chimera
