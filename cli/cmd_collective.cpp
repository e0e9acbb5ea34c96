// chimera-sim collective --op OP --algo A --ranks 0-7 --platform FILE --sizes 4KiB:4GiB:
// an nccl-tests-style table of one collective over a size sweep.
#include <iostream>

#include "study/collective_run.hpp"
#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "collectives/nccl_model.hpp"
#include "common/input_error.hpp"
#include "common/units.hpp"
#include "platforms/network_settings.hpp"
#include "workloads/program.hpp"

namespace chimera {

void add_collective_command(CLI::App& app) {
  auto q = std::make_shared<CollectiveRequest>();
  auto sizes = std::make_shared<std::string>("1MiB");
  auto json = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand("collective", "Time one collective over a size sweep (nccl-tests style)");
  cmd->add_option("--op", q->op, std::string("Collective: ") + kCollectiveKindChoices)->capture_default_str();
  cmd->add_option("--algo", q->algo, std::string("Algorithm: ") + kCollectiveAlgorithmChoices)->capture_default_str();
  cmd->add_option("--ranks", q->ranks, "Group members, e.g. 0-7 or 0,2,4,6 (rank r runs on host r)")->capture_default_str();
  cmd->add_option("--targets", q->targets, "Target group of multicast / m2ms (the sources are --ranks)");
  cmd->add_option("--shape", q->shape, "Shape of the group on a mesh/torus, e.g. 2x2 or 2x2x2 (hierarchical-ring)");
  cmd->add_option("--platform", q->platform, "SimGrid platform XML file")->required();
  cmd->add_option("--sizes", *sizes, "Sizes: MIN:MAX (doubling), a list, or one size, e.g. 4KiB:4GiB")->capture_default_str();
  cmd->add_option("--network-model", q->network, std::string("Network model: ") + kNetworkModelChoices)->capture_default_str();
  cmd->add_option("--granularity", q->granularity, "step (every message) or aggregated (one flow per peer per phase)")
      ->capture_default_str();
  cmd->add_option("--reduction-cost", q->reduction_seconds_per_byte,
                  "Local reduction after each receive, in seconds per byte (0 = free)");
  cmd->add_option("--tree-chunks", q->tree_chunks, "Chunks per tree of double-binary-tree (0 = automatic)");
  cmd->add_option("--payload-efficiency", q->payload_efficiency, "Payload share of link bandwidth, (0, 1]")
      ->capture_default_str();
  auto unrotated = std::make_shared<bool>(false);
  cmd->add_flag("--unrotated", *unrotated,
                "m2ms in rounds (--algo ring): every source addresses target 0 first instead of the rotated order");
  cmd->add_option("--protocol", q->protocol,
                  std::string("NCCL protocol on platforms with NCCL's model (collective_model = nccl): ") +
                      kNcclProtocolChoices)
      ->capture_default_str();
  cmd->add_flag("--json", *json, "Print {\"rows\": [...]} as one JSON object");
  cmd->callback([q, sizes, json, unrotated] {
    q->rotated = !*unrotated;
    try {
      q->sizes = parse_byte_sweep(*sizes);
    } catch (const std::invalid_argument& e) {
      throw option_error("--sizes", e.what());
    }
    WallClock clock("collective");
    nlohmann::json out = run_collective_request(*q);
    if (*json) return print_json(out);
    std::cout << collective_text(out);
  });
}

}  // namespace chimera
