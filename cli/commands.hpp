#pragma once
// Each subcommand of `chimera-sim` registers itself on the application.
#include <CLI/CLI.hpp>

namespace chimera {

void add_run_command(CLI::App& app);
void add_program_command(CLI::App& app);
void add_collective_command(CLI::App& app);

}  // namespace chimera
