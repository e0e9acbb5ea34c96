// chimera-sim plan --hostfile H --cluster C --profiles P --layers L --gbs B: the Metis
// heterogeneous-cluster plan search (planner/README.md), plus two input generators:
//   chimera-sim plan synth-profiles --layers L --gbs B -o DIR   (the fork's gen_synth_data.py)
//   chimera-sim plan gen-hostfile N [-o FILE]                   (the fork's gen_hostfile.py)
#include <fmt/format.h>

#include <chrono>
#include <iostream>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "study/plan_simulate.hpp"
#include "common/atomic_file.hpp"
#include "common/input_error.hpp"
#include "planner/float_text.hpp"
#include "planner/metis_search.hpp"
#include "planner/metis_synth.hpp"
#include "version.hpp"

namespace chimera {
namespace {

using namespace metis;

struct PlanOptions {
  std::string hostfile, cluster, profiles, strategy = "metis", type_order, constants = "A100_tp32_bs32", quirks;
  bool compat = false, json = false;
  SearchOptions search;
  bool simulate = false;  // --simulate: the best plan; --simulate-top k: the best k
  int simulate_top = -1;  // -1: not given
  std::string simulate_algorithm = "ring", simulate_granularity = "step", simulate_tp_comm = "explicit";
};

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

Quirks parse_quirks(const PlanOptions& o) {
  if (o.compat) {
    if (!o.quirks.empty()) throw option_error("--quirks", "conflicts with --compat (which turns on all quirks)");
    return Quirks::all();
  }
  Quirks q = Quirks::none();
  if (o.quirks.empty() || o.quirks == "none") return q;
  if (o.quirks == "all") return Quirks::all();
  for (const auto& item : split_list(o.quirks)) {
    int n = 0;
    try {
      std::size_t used = 0;
      n = std::stoi(item, &used);
      if (used != item.size()) n = 0;
    } catch (const std::exception&) {
    }
    if (!q.enable(n)) throw option_error("--quirks", fmt::format("no quirk '{}'", item), "numbers 1..11, 'all' or 'none'");
  }
  return q;
}

std::string sequence_text(const Cluster& c, const std::vector<int>& seq) {
  std::string s;
  for (int t : seq) s += (s.empty() ? "" : ",") + c.types[t];
  return s;
}

std::string ints_text(const std::vector<int>& v) { return fmt::format("[{}]", fmt::join(v, ",")); }

std::string strategies_text(const std::vector<std::pair<int, int>>& v) {
  std::string s;
  for (auto [dp, tp] : v) s += fmt::format("{}({},{})", s.empty() ? "" : ",", dp, tp);
  return "[" + s + "]";
}

nlohmann::json plan_json(const PlanRecord& p, const Cluster& c, const SearchOptions& o) {
  nlohmann::json strategies = nlohmann::json::array(), stages = nlohmann::json::array();
  for (auto [dp, tp] : p.strategies) strategies.push_back({{"dp", dp}, {"tp", tp}});
  for (const auto& st : plan_stages(p, c, o.global_batch, o.quirks.hostfile_one_digit))
    stages.push_back({{"first_rank", st.first_rank},
                      {"num_ranks", st.num_ranks},
                      {"dp", st.dp},
                      {"tp", st.tp},
                      {"first_layer", st.first_layer},
                      {"end_layer", st.end_layer},
                      {"micro_batch_size", st.micro_batch_size}});
  std::vector<std::string> seq;
  for (int t : p.sequence) seq.push_back(c.types[t]);
  // Seconds like every other command (cost_s, cost_parts_s); the Metis model's milliseconds
  // (cost_ms, cost_parts_ms) stay for one release.
  return {{"cost_s", p.cost.total / 1e3},
          {"cost_parts_s",
           {{"execution", p.cost.execution / 1e3},
            {"fb_sync", p.cost.fb_sync / 1e3},
            {"update", p.cost.update / 1e3},
            {"dp_allreduce", p.cost.dp_allreduce / 1e3},
            {"p2p", p.cost.p2p / 1e3},
            {"batch_gen", p.cost.batch_gen / 1e3}}},
          {"cost_ms", p.cost.total},
          {"cost_text", shortest(p.cost.total)},
          {"cost_parts_ms",
           {{"execution", p.cost.execution},
            {"fb_sync", p.cost.fb_sync},
            {"update", p.cost.update},
            {"dp_allreduce", p.cost.dp_allreduce},
            {"p2p", p.cost.p2p},
            {"batch_gen", p.cost.batch_gen}}},
          {"node_sequence", seq},
          {"num_stages_label", p.num_stages_label},
          {"mislabelled", p.mislabelled},
          {"device_groups", p.device_groups},
          {"strategies", strategies},
          {"micro_batches", p.micro_batches},
          {"layer_partition", p.layer_partition},
          {"partition_attempt", p.partition_attempt},
          {"enumeration_index", p.index},
          {"stages", stages}};
}

void run_plan(const PlanOptions& opt) {
  SearchOptions o = opt.search;
  o.quirks = parse_quirks(opt);
  if (opt.strategy == "metis") o.strategy = Strategy::metis;
  else if (opt.strategy == "headroom") o.strategy = Strategy::headroom;
  else throw option_error("--strategy", fmt::format("unknown strategy '{}'", opt.strategy), "metis, headroom");
  o.type_order = split_list(opt.type_order);
  std::vector<NodeSpec> specs = read_cluster_file(opt.cluster);
  Cluster cluster = make_cluster(read_hostfile(opt.hostfile, o.quirks.hostfile_one_digit), opt.hostfile, specs,
                                 opt.cluster, o.type_order, o.quirks.hostfile_one_digit);
  if (opt.simulate_top != -1 && opt.simulate_top < 1)
    throw option_error("--simulate-top", fmt::format("{} plans", opt.simulate_top), "1 or more");
  const int simulate = opt.simulate_top > 0 ? opt.simulate_top : opt.simulate ? 1 : 0;
  PlanSimulationSetup sim;
  if (simulate) {  // before the search: a GPU type without a preset is an input error at once
    if (!parse_collective_algorithm(opt.simulate_algorithm, sim.tp_algorithm))
      throw option_error("--simulate-algorithm", fmt::format("unknown algorithm '{}'", opt.simulate_algorithm),
                         kCollectiveAlgorithmChoices);
    sim.dp_algorithm = sim.tp_algorithm;
    if (opt.simulate_granularity != "step" && opt.simulate_granularity != "aggregated")
      throw option_error("--simulate-granularity", fmt::format("unknown granularity '{}'", opt.simulate_granularity),
                         "step, aggregated");
    if (opt.simulate_tp_comm != "explicit" && opt.simulate_tp_comm != "in-profile")
      throw option_error("--simulate-tp-comm", fmt::format("unknown value '{}'", opt.simulate_tp_comm),
                         "explicit, in-profile");
    sim.tp_communication = opt.simulate_tp_comm == "explicit";
    sim.granularity = opt.simulate_granularity == "aggregated" ? Granularity::aggregated : Granularity::step;
    sim.platform = metis_platform_params(cluster, specs, o.quirks.hostfile_one_digit);
    o.top_plans = std::max(o.top_plans, simulate);
  }
  if (o.layers < 1) throw option_error("--layers", fmt::format("{} layers", o.layers), ">= 1");
  ProfileSet profiles = load_profiles(opt.profiles, o.layers);
  ModelConstants constants = model_constants(profiles, opt.constants, o.quirks.optimizer_doubled);

  auto start = std::chrono::steady_clock::now();
  SearchResult r = search_plans(cluster, profiles, constants, o);
  double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  fmt::print(stderr, "plan search: wall time {:.6f} s\n", wall_s);
  nlohmann::json simulated;
  if (simulate && !r.top.empty()) {
    sim.cluster = &cluster, sim.profiles = &profiles, sim.constants = &constants, sim.search = o;
    simulated = simulate_plans(sim, {r.top.begin(), r.top.begin() + std::min<std::size_t>(simulate, r.top.size())});
  }

  std::string mode = o.quirks.enabled().size() == 11 ? "compat"
                     : o.quirks.enabled().empty()   ? "clean"
                                                    : fmt::format("clean + quirks {}", fmt::join(o.quirks.enabled(), ","));
  std::string gpus;
  for (std::size_t t = 0; t < cluster.types.size(); ++t) {
    int n = 0;
    for (const auto& node : cluster.nodes)
      if (node.type == static_cast<int>(t)) n += o.quirks.hostfile_one_digit ? cluster.nodes.front().slots : node.slots;
    gpus += fmt::format("{}{} {}", gpus.empty() ? "" : " + ", n, cluster.types[t]);
  }
  if (opt.json) {
    nlohmann::json plans = nlohmann::json::array(), breakdown = nlohmann::json::array();
    for (const auto& p : r.top) plans.push_back(plan_json(p, cluster, o));
    for (const auto& b : r.breakdown)
      breakdown.push_back({{"node_sequence", sequence_text(cluster, r.sequences[b.sequence_index])},
                           {"num_stages_label", b.num_stages_label},
                           {"mislabelled", b.mislabelled},
                           {"steps", b.steps},
                           {"inter_stage_plans", b.inter_stage_plans},
                           {"costed_plans", b.costed_plans},
                           {"unavailable_costs", b.unavailable_costs}});
    nlohmann::json j = {{"search_steps", r.search_steps},
                {"best_cost", r.top.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.top.front().cost.total)},
                {"best_cost_s", r.top.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.top.front().cost.total / 1e3)},
                {"best_cost_text", r.top.empty() ? "" : shortest(r.top.front().cost.total)},
                {"inter_stage_plans", r.inter_stage_plans},
                {"costed_plans", r.costed_plans},
                {"unavailable_costs", r.unavailable_costs},
                {"plans", plans},
                {"breakdown", breakdown},
                {"strategy", to_string(o.strategy)},
                {"mode", mode},
                {"quirks", o.quirks.enabled()},
                {"type_order", sequence_text(cluster, r.sequences.front())},
                {"constants", constants.source},
                {"num_gpus", r.num_gpus},
                {"gpus", gpus},
                {"hostfile", opt.hostfile},
                {"cluster", opt.cluster},
                {"profiles", opt.profiles},
                {"layers", o.layers},
                {"global_batch", o.global_batch},
                {"version", version_string()}};
    if (!simulated.is_null()) j.update(simulated);
    print_json(j);
    return;
  }
  std::cout << fmt::format("# Metis plan search, strategy {}, mode {}\n", to_string(o.strategy), mode);
  std::cout << fmt::format("# cluster {} ({} GPUs: {}), cluster file {}\n", opt.hostfile, r.num_gpus, gpus, opt.cluster);
  std::cout << fmt::format("# profiles {} ({} files), model constants from {}\n", opt.profiles, profiles.size(),
                           constants.source);
  std::cout << fmt::format("# model: {} layers, global batch {}, hidden {}, sequence {}, vocab {}\n", o.layers,
                           o.global_batch, o.hidden_size, o.sequence_length, o.vocab_size);
  std::cout << fmt::format("# node-type order {}; {}\n", sequence_text(cluster, r.sequences.front()), version_string());
  std::cout << fmt::format("search steps: {}\n", r.search_steps);
  std::cout << fmt::format("inter-stage plans: {}, costed plans: {}, plans without a cost (missing profile): {}\n",
                           r.inter_stage_plans, r.costed_plans, r.unavailable_costs);
  std::cout << "steps by node sequence and stage count:\n";
  std::cout << fmt::format("  {:<12} {:>7} {:>9} {:>8}\n", "sequence", "stages", "steps", "plans");
  for (const auto& b : r.breakdown)
    std::cout << fmt::format("  {:<12} {:>7} {:>9} {:>8}\n", sequence_text(cluster, r.sequences[b.sequence_index]),
                             b.mislabelled ? "\"1\"*" : std::to_string(b.num_stages_label), b.steps,
                             b.inter_stage_plans);
  if (r.top.empty()) {
    std::cout << "no plan fits in memory\n";
    return;
  }
  std::cout << fmt::format("best cost: {} ms\n", shortest(r.top.front().cost.total));
  std::cout << "top plans (cost ms, node sequence, GPUs per stage, (dp,tp) per stage, micro-batches, layer partition):\n";
  for (std::size_t i = 0; i < r.top.size(); ++i) {
    const PlanRecord& p = r.top[i];
    std::cout << fmt::format("  {} {} {} {} {} M={} {}{}\n", i + 1, shortest(p.cost.total),
                             sequence_text(cluster, p.sequence), ints_text(p.device_groups),
                             strategies_text(p.strategies), p.micro_batches, ints_text(p.layer_partition),
                             p.mislabelled ? "  * labelled 1 stage (quirk 1): only stage 0 costed" : "");
  }
  if (!simulated.is_null()) print_plan_simulations(simulated);
}

void add_synth_profiles(CLI::App& plan) {
  struct Options {
    int layers = 0, gbs = 0;
    std::string out;
    bool json = false;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* cmd = plan.add_subcommand("synth-profiles", "Write the fork's deterministic synthetic profiles (gen_synth_data.py)");
  cmd->add_option("--layers", opt->layers, "Model layers L (>= 2)")->required();
  cmd->add_option("--gbs", opt->gbs, "Largest TP degree and batch size (power of two >= 4), e.g. 128")->required();
  cmd->add_option("-o,--output", opt->out, "Output directory")->required();
  cmd->add_flag("--json", opt->json, "Print {\"files\": N, ...} as one JSON object");
  cmd->callback([opt] {
    auto profiles = synthesize_profiles(opt->layers, opt->gbs);
    write_profiles(opt->out, profiles);
    if (opt->json)
      return print_json({{"files", profiles.size()}, {"directory", opt->out}, {"layers", opt->layers},
                         {"max_batch", opt->gbs}, {"version", version_string()}});
    std::cout << fmt::format("wrote {} profiles ({} layers, tp and batch up to {}) to {}\n", profiles.size(),
                             opt->layers, opt->gbs, opt->out);
  });
}

void add_gen_hostfile(CLI::App& plan) {
  struct Options {
    int n = 0;
    std::string out;
    bool json = false;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* cmd = plan.add_subcommand("gen-hostfile", "Write the fork's hostfile for N: N V100 + N A100 GPUs, 4 per node");
  cmd->add_option("n", opt->n, "GPUs per type (a multiple of 4)")->required();
  cmd->add_option("-o,--output", opt->out, "Output file (default: stdout)");
  cmd->add_flag("--json", opt->json, "Print {\"hostfile\": TEXT, ...} as one JSON object");
  cmd->callback([opt] {
    if (opt->n < 4 || opt->n % 4 != 0) throw option_error("n", fmt::format("{}", opt->n), "a positive multiple of 4");
    std::string text = generate_hostfile(opt->n);
    if (!opt->out.empty()) write_file_atomically(opt->out, text, "hostfile");
    if (opt->json)
      return print_json({{"hostfile", text}, {"nodes", opt->n / 2}, {"gpus", 2 * opt->n}, {"output", opt->out},
                         {"version", version_string()}});
    if (opt->out.empty()) std::cout << text;
    else std::cout << fmt::format("wrote {} nodes ({} V100 + {} A100 GPUs) to {}\n", opt->n / 2, opt->n, opt->n, opt->out);
  });
}

}  // namespace

void add_plan_command(CLI::App& app) {
  auto opt = std::make_shared<PlanOptions>();
  SearchOptions& s = opt->search;
  CLI::App* cmd = app.add_subcommand("plan", "Search parallel plans over a heterogeneous cluster (Metis)");
  cmd->add_option("--hostfile", opt->hostfile, "Hostfile: one node per line, 'ADDRESS slots=K'");
  cmd->add_option("--cluster", opt->cluster, "Cluster file (JSON): per address type, bandwidths, memory");
  cmd->add_option("--profiles", opt->profiles, "Directory of DeviceType.<TYPE>_tp<N>_bs<N>.json profiles");
  cmd->add_option("--layers", s.layers, "Model layers L");
  cmd->add_option("--gbs", s.global_batch, "Global batch size G");
  cmd->add_option("--strategy", opt->strategy, "Next-strategy rule: metis, headroom")->capture_default_str();
  cmd->add_flag("--compat", opt->compat, "Reproduce the reference implementation exactly (all quirks)");
  cmd->add_option("--quirks", opt->quirks, "Reference quirks to keep in clean mode: list of 1..11, all, none");
  cmd->add_option("--type-order", opt->type_order, "GPU types of the first node sequence, e.g. A100,V100 (default: A100, V100, P100, T4, others)");
  cmd->add_option("--constants", opt->constants, "Profile giving model constants and layer weights")->capture_default_str();
  cmd->add_option("--hidden-size", s.hidden_size, "Hidden size")->capture_default_str();
  cmd->add_option("--sequence-length", s.sequence_length, "Sequence length")->capture_default_str();
  cmd->add_option("--vocab-size", s.vocab_size, "Vocabulary size")->capture_default_str();
  cmd->add_option("--max-profiled-tp", s.max_profiled_tp, "Largest profiled TP degree")->capture_default_str();
  cmd->add_option("--max-profiled-batch", s.max_profiled_batch, "Largest profiled batch size")->capture_default_str();
  cmd->add_option("--min-group-scale-variance", s.min_group_scale_variance, "Stage-size pruning factor")->capture_default_str();
  cmd->add_option("--max-permute-len", s.max_permute_len, "Largest stage count permuted")->capture_default_str();
  cmd->add_option("--top", s.top_plans, "Plans to print")->capture_default_str();
  cmd->add_flag("--json", opt->json, "Print one JSON object (search_steps, best_cost, plans, ...)");
  cmd->add_flag("--simulate", opt->simulate,
                "Simulate the best plan on the cluster's platform and print simulated vs model time");
  cmd->add_option("--simulate-top", opt->simulate_top, "Simulate the best k plans (implies --simulate)");
  cmd->add_option("--simulate-algorithm", opt->simulate_algorithm,
                  "All-reduce algorithm of the simulated plans (tensor and data parallel)")
      ->capture_default_str();
  cmd->add_option("--simulate-granularity", opt->simulate_granularity,
                  "Collectives as every message (step) or one flow per peer (aggregated, faster at many micro-batches)")
      ->capture_default_str();
  cmd->add_option("--simulate-tp-comm", opt->simulate_tp_comm,
                  "Tensor-parallel all-reduces simulated as flows (explicit) or taken as part of the profiled layer "
                  "time (in-profile: profiles measured at that TP degree)")
      ->capture_default_str();
  add_synth_profiles(*cmd);
  add_gen_hostfile(*cmd);
  cmd->require_subcommand(0, 1);
  cmd->callback([opt, cmd] {
    if (!cmd->get_subcommands().empty()) return;  // synth-profiles / gen-hostfile ran
    for (auto [flag, value] : {std::pair{"--hostfile", opt->hostfile.empty()}, {"--cluster", opt->cluster.empty()},
                               {"--profiles", opt->profiles.empty()}, {"--layers", opt->search.layers == 0},
                               {"--gbs", opt->search.global_batch == 0}})
      if (value) throw option_error(flag, "is required");
    run_plan(*opt);
  });
}

}  // namespace chimera
