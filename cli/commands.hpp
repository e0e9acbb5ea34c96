#pragma once
// Each subcommand of `chimera-sim` registers itself on the application.
#include <CLI/CLI.hpp>

namespace chimera {

void add_run_command(CLI::App& app);
void add_program_command(CLI::App& app);
void add_collective_command(CLI::App& app);
void add_fusion_command(CLI::App& app);  // cli/cmd_fusion.cpp
void add_sweep_command(CLI::App& app);   // cli/cmd_sweep.cpp
void add_fidelity_command(CLI::App& app);  // cli/cmd_fidelity.cpp
void add_platform_command(CLI::App& app);  // cli/cmd_platform.cpp
void add_schedule_command(CLI::App& app);  // cli/cmd_schedule.cpp
void add_tune_command(CLI::App& app);      // cli/cmd_tune.cpp
void add_playground_command(CLI::App& app);  // cli/cmd_playground.cpp
void add_gemm_command(CLI::App& app);   // cli/cmd_gemm.cpp
void add_layer_command(CLI::App& app);  // cli/cmd_layer.cpp
void add_kernel_command(CLI::App& app);  // cli/cmd_kernel.cpp
void add_plan_command(CLI::App& app);   // cli/cmd_plan.cpp
void add_calibrate_command(CLI::App& app);  // cli/cmd_calibrate.cpp

}  // namespace chimera
