// chimera-sim fusion --pair P --bytes M --platform FILE [--groups G]: one hybrid-parallel pair,
// baseline vs fused, each in its own simulation; times, volumes and speedup.
#include <fmt/format.h>

#include <iostream>

#include "cli/commands.hpp"
#include "study/fusion_run.hpp"
#include "cli/output.hpp"
#include "platforms/network_settings.hpp"
#include "common/input_error.hpp"
#include "common/units.hpp"

namespace chimera {

void add_fusion_command(CLI::App& app) {
  auto opt = std::make_shared<FusionRequest>();
  auto bytes_text = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand("fusion", "Run one hybrid-parallelism pair, baseline vs fused communication");
  cmd->add_option("--pair", opt->pair_text, std::string("Pair: ") + kFusionPairChoices)->required();
  cmd->add_option("--bytes", *bytes_text, "The pair's size argument M, e.g. 4MiB (synthetic case)");
  cmd->add_option("--platform", opt->platform, "SimGrid platform XML file")->required();
  cmd->add_option("--groups", opt->groups,
                  "A placement name (mesh2d-5x5, torus2d-4x4, torus3d-2x2x2, dgx2-2x8, linear) or "
                  "'source=0,1,5,6@2x2;target=2,3,7,8@2x2;subgroups=0,5|1,6@1x2'")
      ->capture_default_str();
  cmd->add_option("--case", opt->case_name, "synthetic (the paper's sizes and groups) or realmachine (8 x RTX 4080 scripts)")
      ->capture_default_str();
  cmd->add_option("--ppsp-volume", opt->ppsp_volume,
                  "Fused PP+SP volume: replicated (each target gets the whole sequence) or sharded (the research "
                  "simulator's M in total)")
      ->capture_default_str();
  cmd->add_option("--top-k", opt->top_k, "MoE top-k (k in the pair formulas)")->capture_default_str();
  cmd->add_option("--algo", opt->algorithm, std::string("Algorithm of the group collectives: ") + kCollectiveAlgorithmChoices)
      ->capture_default_str();
  cmd->add_option("--network-model", opt->network, std::string("Network model: ") + kNetworkModelChoices)->capture_default_str();
  cmd->add_option("--granularity", opt->granularity, "step or aggregated")->capture_default_str();
  cmd->add_option("--reduction-cost", opt->reduction_seconds_per_byte, "Local reduction, seconds per byte (0 = free)");
  cmd->add_option("--payload-efficiency", opt->payload_efficiency, "Payload share of link bandwidth, (0, 1]")
      ->capture_default_str();
  cmd->add_flag("--json", *json, "Print one JSON object");
  cmd->callback([opt, bytes_text, json] {
    if (!bytes_text->empty()) {
      try {
        opt->bytes = parse_bytes(*bytes_text);
      } catch (const std::invalid_argument& e) {
        throw option_error("--bytes", e.what());
      }
    }
    WallClock clock("fusion");
    nlohmann::json out = run_fusion(*opt);
    if (*json) return print_json(out);
    std::cout << fusion_text(out);
  });
}

}  // namespace chimera
