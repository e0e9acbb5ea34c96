// chimera-sim run [scenario.toml] [--json]: simulate a scenario and print its report.
#include <fmt/format.h>

#include <iostream>

#include "actors/chrome_trace.hpp"
#include "cli/commands.hpp"
#include "study/isolated_run.hpp"
#include "cli/output.hpp"
#include "study/report.hpp"
#include "study/scenario_run.hpp"
#include "common/atomic_file.hpp"

namespace chimera {

void add_run_command(CLI::App& app) {
  struct Options {
    std::string scenario;
    bool json = false;
    double timeout_s = 0;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("run", "Simulate a scenario and print its report");
  cmd->add_option("scenario", opt->scenario, "Scenario file (TOML); default: scenarios/default.toml");
  cmd->add_flag("--json", opt->json, "Print the report as one JSON object");
  cmd->add_option("--timeout", opt->timeout_s, "Wall-clock limit of the run in seconds (exit code 124 when exceeded; 0: none)")
      ->check(CLI::NonNegativeNumber);
  cmd->callback([opt] {
    std::string path = opt->scenario.empty() ? default_scenario_path() : opt->scenario;
    WallClock clock("run");
    Scenario s = load_scenario(path);
    arm_process_timeout(opt->timeout_s, "the run of " + path);
    ScenarioRun run = run_scenario(s);
    nlohmann::json report = report_json(s, run);
    // Output files first: a failure to write one must not leave the others half-done.
    if (!s.output.json.empty()) write_file_atomically(s.output.json, report.dump(2) + "\n", "output.json");
    if (!s.output.csv.empty()) write_file_atomically(s.output.csv, report_csv(report), "output.csv");
    if (!s.output.trace.empty())
      write_file_atomically(s.output.trace, chrome_trace(run.programs, run.result).dump() + "\n", "output.trace");
    if (opt->json) print_json(report);
    else std::cout << report_text(report);
  });
}

}  // namespace chimera
