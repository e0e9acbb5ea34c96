// chimera-sim fidelity SCENARIO|SWEEP [--models cm02,lv08,ns-3] [--reference FILE.csv]: the
// same runs under several network models, against the closed form and imported references.
#include <fmt/format.h>

#include <charconv>
#include <iostream>

#include "cli/commands.hpp"
#include "study/fidelity.hpp"
#include "study/isolated_run.hpp"
#include "cli/output.hpp"
#include "common/atomic_file.hpp"
#include "common/input_error.hpp"
#include "common/units.hpp"

namespace chimera {

void add_fidelity_command(CLI::App& app) {
  struct Options {
    FidelityRequest q;
    std::string models = "CM02,LV08,ns-3", points, csv;
    double clock_ghz = 0, payload_efficiency = 0, timeout_s = 0;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("fidelity", "Compare network models (and a reference CSV) on a scenario or sweep");
  cmd->add_option("target", o->q.target, "A scenario file or a sweep file")->required();
  cmd->add_option("--models", o->models, "Network models, comma-separated: CM02, LV08, ns-3")->capture_default_str();
  cmd->add_option("--reference", o->q.reference, "CSV of another tool's results (see README: reference CSV format)");
  cmd->add_option("--clock-ghz", o->clock_ghz, "Clock of a reference given in cycles (time_cycles) without a clock_ghz column");
  cmd->add_option("--points", o->points, "Sweep points to run, e.g. 0-3,8 (default: all)");
  cmd->add_option("--payload-efficiency", o->payload_efficiency, "Payload share of every link's bandwidth, (0, 1]");
  cmd->add_option("-j,--jobs", o->q.jobs, "Runs at once (processes)")->capture_default_str();
  cmd->add_option("--csv", o->csv, "Also write the per-point table (times and wall times) to this CSV");
  cmd->add_flag("--json", o->json, "Print one JSON object");
  cmd->add_option("--timeout", o->timeout_s,
                  "Wall-clock limit of each run (one point under one model) in seconds; a run past it is reported "
                  "as timed out and the others go on (0: none)")
      ->check(CLI::NonNegativeNumber);
  cmd->callback([o] {
    o->q.models.clear();
    for (std::size_t s = 0; s <= o->models.size();) {
      std::size_t c = o->models.find(',', s);
      std::string m = o->models.substr(s, c == std::string::npos ? std::string::npos : c - s);
      if (!m.empty()) o->q.models.push_back(m);
      if (c == std::string::npos) break;
      s = c + 1;
    }
    if (!o->points.empty()) {
      try {
        for (int p : parse_rank_list(o->points)) o->q.points.push_back(static_cast<std::size_t>(p));
      } catch (const std::invalid_argument& e) {
        throw option_error("--points", e.what());
      }
    }
    if (o->clock_ghz < 0) throw option_error("--clock-ghz", "must be positive", "e.g. 1.0");
    if (o->clock_ghz > 0) o->q.clock_ghz = o->clock_ghz;
    if (o->payload_efficiency != 0) o->q.payload_efficiency = o->payload_efficiency;
    set_run_timeout(o->timeout_s);
    nlohmann::json r = run_fidelity(o->q);
    if (!o->csv.empty()) write_file_atomically(o->csv, fidelity_csv(r), "--csv");
    if (o->json) return print_json(r);
    std::cout << fidelity_text(r);
  });
}

}  // namespace chimera
