// chimera-sim tune SCENARIO --gpus P [--memory 80GiB] [--mini-batch B] [--tp t] [--kinds ...]
//   [--top k] [--no-recompute] [--json]: searches pipeline depth, data-parallel width,
// micro-batch size and count, schedule kind and recomputation under a memory limit, ranks the
// configurations by Chimera's analytical model, simulates the top k and prints model vs
// simulated. The scenario gives the model, platform, hardware and network.
#include <fmt/format.h>

#include <iostream>
#include <sstream>

#include "cli/commands.hpp"
#include "study/isolated_run.hpp"
#include "study/link_probe.hpp"
#include "cli/output.hpp"
#include "study/pipeline_report.hpp"
#include "study/scenario_run.hpp"
#include "study/tune_common.hpp"
#include "common/input_error.hpp"
#include "common/units.hpp"
#include "version.hpp"

namespace chimera {

void add_tune_command(CLI::App& app) {
  struct Options {
    std::string scenario, memory, kinds;
    int gpus = 0, mini_batch = 0, tp = 0, top = 3;
    bool no_recompute = false, json = false;
    double timeout_s = 0;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "tune", "Choose pipeline depth, width, micro-batch size/count and schedule under a memory limit (Chimera's model), "
              "then simulate the best");
  cmd->add_option("scenario", opt->scenario, "Scenario file: model, platform, compute preset, network")->required();
  cmd->add_option("--gpus", opt->gpus, "GPUs P to plan for")->required();
  cmd->add_option("--memory", opt->memory, "Memory per GPU, e.g. 80GiB (default: the preset's capacity)");
  cmd->add_option("--global-batch", opt->mini_batch,
                  "Sequences per iteration (default: the scenario's dp x micro_batches x micro_batch)");
  cmd->add_option("--mini-batch", opt->mini_batch, "Old name of --global-batch")->group("");
  cmd->add_option("--tp", opt->tp, "Tensor-parallel degree inside a stage (default: the scenario's)");
  cmd->add_option("--kinds", opt->kinds, std::string("Schedules to consider, comma-separated (default all): ") +
                                             kScheduleKindChoices);
  cmd->add_option("--top", opt->top, "Configurations to simulate")->capture_default_str();
  cmd->add_flag("--no-recompute", opt->no_recompute, "Do not consider activation recomputation");
  cmd->add_flag("--json", opt->json, "Print one JSON object");
  cmd->add_option("--timeout", opt->timeout_s,
                  "Wall-clock limit of each simulated configuration in seconds (reported as timed out; 0: none)")
      ->check(CLI::NonNegativeNumber);
  cmd->callback([opt] {
    WallClock clock("tune");
    Scenario s = load_scenario(opt->scenario);
    TuneSetup setup = tune_setup(s, opt->gpus, opt->tp, opt->mini_batch, opt->memory, opt->kinds, opt->top,
                                 !opt->no_recompute);
    setup.timeout_s = opt->timeout_s;
    TuneOutcome out = run_tune(s, setup);
    if (opt->json) print_json(tune_json(s, setup, out));
    else std::cout << tune_text(s, setup, out);
  });
}

}  // namespace chimera
