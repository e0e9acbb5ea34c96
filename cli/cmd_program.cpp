// chimera-sim program scenario.toml --rank R [--json]: the program a rank executes.
#include <fmt/format.h>

#include <iostream>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "study/scenario_run.hpp"
#include "common/input_error.hpp"

namespace chimera {

void add_program_command(CLI::App& app) {
  struct Options {
    std::string scenario;
    int rank = 0;
    bool json = false;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("program", "Print the program (ops, streams, dependencies) of one rank");
  cmd->add_option("scenario", opt->scenario, "Scenario file (TOML)")->required();
  cmd->add_option("--rank", opt->rank, "Rank whose program to print (default 0)");
  cmd->add_flag("--json", opt->json, "Print the program as one JSON object");
  cmd->callback([opt] {
    Scenario s = load_scenario(opt->scenario);
    int world = s.ranks();
    if (opt->rank < 0 || opt->rank >= world)
      throw option_error("--rank", fmt::format("rank {} is outside the scenario's {} ranks", opt->rank, world),
                         fmt::format("0 to {}", world - 1));
    std::vector<Program> programs = lower_scenario(s);
    const Program& p = programs[opt->rank];
    if (opt->json) print_json(program_to_json(p));
    else std::cout << format_program(p);
  });
}

}  // namespace chimera
