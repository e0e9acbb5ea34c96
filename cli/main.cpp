// chimera-sim: discrete-event simulator of hybrid-parallel LLM training on SimGrid.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "actors/simulate.hpp"
#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "study/progress.hpp"
#include "study/isolated_run.hpp"
#include "common/exit_codes.hpp"
#include "common/input_error.hpp"
#include "platforms/engine_log.hpp"
#include "version.hpp"

int main(int argc, char** argv) {
  CLI::App app{"chimera-sim: simulate hybrid-parallel LLM training (compute, collectives, fused communication) on "
               "SimGrid platforms"};
  app.set_version_flag("--version", chimera::version_string());
  app.require_subcommand(1);
  // --log may stand anywhere on the command line (chimera-sim run x.toml --log=...): it is taken
  // out before CLI11 parses, so that no subcommand (nor `platform gen`'s generator arguments)
  // sees it; the option below only documents it in --help.
  std::vector<std::string> log_settings;
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    const std::string a = argv[i];
    if (i > 0 && a.rfind("--log=", 0) == 0) log_settings.push_back(a.substr(6));
    else if (i > 0 && a == "--log" && i + 1 < argc) log_settings.push_back(argv[++i]);
    else args.push_back(argv[i]);
  }
  chimera::set_engine_log_settings(log_settings);
  std::vector<std::string> unused;
  app.add_option("--log", unused,
                 "SimGrid log setting, repeatable, anywhere on the command line (e.g. --log=chimera_actors.thres:debug, "
                 "--log=root.thres:warning); without it SimGrid's own messages are not shown")
      ->type_name("CATEGORY.KEY:VALUE");
  chimera::install_engine_abort_handler();
  app.fallthrough();  // --quiet also after the subcommand (inherited by the subcommands added next)
  app.add_flag("-q,--quiet", [](std::int64_t) { chimera::progress_settings().enabled = false; },
               "No progress lines on stderr (results and errors still print)");
  app.add_option_function<double>(
         "--progress-interval", [](double s) { chimera::progress_settings().interval_s = s; },
         "Seconds between progress lines when stderr is not a terminal, and before the first (default 5)")
      ->check(CLI::NonNegativeNumber);
  chimera::add_run_command(app);
  chimera::add_program_command(app);
  chimera::add_collective_command(app);
  chimera::add_calibrate_command(app);
  chimera::add_fusion_command(app);
  chimera::add_sweep_command(app);
  chimera::add_fidelity_command(app);
  chimera::add_platform_command(app);
  chimera::add_schedule_command(app);
  chimera::add_tune_command(app);
  chimera::add_playground_command(app);
  chimera::add_gemm_command(app);
  chimera::add_layer_command(app);
  chimera::add_kernel_command(app);
  chimera::add_plan_command(app);
  try {
    app.parse(static_cast<int>(args.size()), args.data());
    return 0;
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);  // prints CLI11's message
    return chimera::kExitInputError;
  } catch (const chimera::InputError& e) {
    chimera::flush_stdout();
    fmt::print(stderr, "error: {}\n", e.what());
    return chimera::kExitInputError;
  } catch (const chimera::SimulationDeadlock& e) {
    chimera::flush_stdout();
    fmt::print(stderr, "error: {}\n", e.what());
    return chimera::kExitDeadlock;
  } catch (const chimera::RunTimeout& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return chimera::kExitTimeout;
  } catch (const std::exception& e) {
    chimera::flush_stdout();
    fmt::print(stderr, "internal error: {} (please report it with the command and its input files)\n", e.what());
    return chimera::kExitInternalError;
  }
}
