// chimera-sim schedule --kind K --pp D --micro-batches N [--fwd F --bwd B --wgrad W]
//   [--chunks v] [--pipes-per-direction f] [--extend concat|doubling] [--svg FILE] [--json]:
// a pipeline schedule run with unit times and free communication — ASCII timeline per
// worker, bubble ratio (with its closed form), peak activations.
#include <fmt/format.h>

#include <iostream>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "cli/schedule_view.hpp"
#include "common/atomic_file.hpp"
#include "common/input_error.hpp"
#include "workloads/schedules/timeline_render.hpp"

namespace chimera {
namespace {

std::string flag_of(const std::string& option) {
  if (option == "stages") return "--pp";
  if (option == "micro_batches") return "--micro-batches";
  if (option == "chunks") return "--chunks";
  if (option == "pipes_per_direction") return "--pipes-per-direction";
  if (option == "extend") return "--extend";
  return "--" + option;
}

}  // namespace

void add_schedule_command(CLI::App& app) {
  struct Options {
    std::string kind = "chimera", extend = "concat", svg;
    int stages = 4, micro_batches = 4, chunks = 0, pipes = 1;
    double fwd = 1, bwd = 2, wgrad = -1;
    int width = 160;
    bool json = false;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "schedule", "Run a pipeline schedule with unit times and free communication: timeline, bubble, peak activations");
  cmd->add_option("--kind", opt->kind, std::string("Schedule: ") + kScheduleKindChoices)->capture_default_str();
  // The scenario's names ([parallel] pp, micro_batches); the old flags stay as hidden aliases.
  cmd->add_option("--pp", opt->stages, "Pipeline stages D (workers per pipeline)")->capture_default_str();
  cmd->add_option("--micro-batches", opt->micro_batches, "Micro-batches N per worker per iteration")->capture_default_str();
  cmd->add_option("--stages", opt->stages, "Old name of --pp")->group("");
  cmd->add_option("--microbatches", opt->micro_batches, "Old name of --micro-batches")->group("");
  cmd->add_option("--fwd", opt->fwd, "Forward time of one full worker stage per micro-batch")->capture_default_str();
  cmd->add_option("--bwd", opt->bwd, "Backward time (input and weight gradient) of one stage per micro-batch")
      ->capture_default_str();
  cmd->add_option("--wgrad", opt->wgrad, "zb-h1: weight-gradient part of --bwd (default half of it)");
  cmd->add_option("--chunks", opt->chunks, "interleaved: model chunks v per worker (default 2)");
  cmd->add_option("--pipes-per-direction", opt->pipes, "chimera: pipelines f per direction")->capture_default_str();
  cmd->add_option("--extend", opt->extend, "chimera with N > D: concat (direct concatenation) or doubling (forward doubling)")
      ->capture_default_str();
  cmd->add_option("--svg", opt->svg, "Also draw the timeline into this SVG file");
  cmd->add_option("--width", opt->width, "Columns of the ASCII timeline before it switches to one character per column")
      ->capture_default_str();
  cmd->add_flag("--json", opt->json, "Print one JSON object (iteration_time, bubble_ratio, per-worker actions)");
  cmd->callback([opt] {
    ScheduleOptions o;
    auto kind = parse_schedule_kind(opt->kind);
    if (!kind) throw option_error("--kind", fmt::format("unknown schedule '{}'", opt->kind), kScheduleKindChoices);
    o.kind = *kind;
    auto extend = parse_chimera_extend(opt->extend);
    if (!extend) throw option_error("--extend", fmt::format("unknown extension '{}'", opt->extend), "concat or doubling");
    o.extend = *extend;
    o.stages = opt->stages, o.micro_batches = opt->micro_batches, o.pipes_per_direction = opt->pipes;
    o.chunks = opt->chunks != 0 ? opt->chunks : (o.kind == ScheduleKind::interleaved ? 2 : 1);
    if (auto p = check_schedule_options(o)) throw option_error(flag_of(p->option), p->problem, p->valid);
    if (!(opt->fwd > 0)) throw option_error("--fwd", fmt::format("{:g} is not a positive time", opt->fwd), "a number > 0");
    if (!(opt->bwd > 0)) throw option_error("--bwd", fmt::format("{:g} is not a positive time", opt->bwd), "a number > 0");
    if (opt->width < 10) throw option_error("--width", fmt::format("{} columns", opt->width), "an integer >= 10");
    UnitTimes t;
    t.forward = opt->fwd, t.backward = opt->bwd;
    if (o.kind == ScheduleKind::zb_h1) {
      double w = opt->wgrad < 0 ? opt->bwd / 2 : opt->wgrad;
      if (!(w > 0 && w < opt->bwd))
        throw option_error("--wgrad", fmt::format("{:g} is not inside the backward time {:g}", w, opt->bwd),
                           "a number between 0 and --bwd (exclusive)");
      t.backward = opt->bwd - w, t.weight = w;
    } else if (opt->wgrad >= 0) {
      throw option_error("--wgrad", "only zb-h1 splits the backward", "drop --wgrad, or --kind zb-h1");
    }
    ScheduleView v = view_schedule(o, t);
    if (!opt->svg.empty())
      write_file_atomically(opt->svg, svg_timeline(v.schedule, v.timeline, schedule_view_title(v)), "--svg");
    if (opt->json) print_json(schedule_view_json(v));
    else std::cout << schedule_view_text(v, opt->width);
  });
}

}  // namespace chimera
