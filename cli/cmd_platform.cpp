// chimera-sim platform gen|kinds|show|check: write platforms from generators, list the
// generators, inspect and check a SimGrid platform file.
//   platform gen KIND [--key value ...] [-o FILE] [--json]
//   platform kinds [KIND] [--json]
//   platform show FILE [--route A B] [--bytes SIZE] [--network-model M] [--json]
//   platform check FILE [--network-model M] [--json]
#include <fmt/format.h>
#include <simgrid/s4u/Engine.hpp>

#include <iostream>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "common/atomic_file.hpp"
#include "common/input_error.hpp"
#include "common/units.hpp"
#include "platforms/generator_registry.hpp"
#include "platforms/platform_inspect.hpp"
#include "platforms/platform_loader.hpp"

namespace chimera {
namespace {

namespace s4u = simgrid::s4u;

struct EngineHolder {
  std::vector<std::string> args;
  std::vector<char*> argv;
  std::unique_ptr<s4u::Engine> engine;
  explicit EngineHolder(const NetworkSettings& network) {
    args = {"chimera-sim"};
    for (const auto& c : simgrid_config(network)) args.push_back("--cfg=" + c);
    args.push_back("--log=root.thresh:warning");
    args.push_back("--log=xbt_cfg.thresh:warning");
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int argc = static_cast<int>(args.size());
    engine = std::make_unique<s4u::Engine>(&argc, argv.data());
  }
};

NetworkSettings network_from_option(const std::string& text) {
  NetworkSettings n;
  auto m = parse_network_model(text);
  if (!m) throw option_error("--network-model", fmt::format("unknown model '{}'", text), kNetworkModelChoices);
  n.model = *m;
  return n;
}

PlatformSpec file_spec(const std::string& file) {
  PlatformSpec spec;
  spec.xml_file = file;
  spec.description = file;
  spec.origin = {file};
  return spec;
}

// A host by name, or by its index in document order (= rank).
const s4u::Host* host_arg(const LoadedPlatform& p, const std::string& text) {
  for (const auto* h : p.hosts_in_order)
    if (h->get_name() == text) return h;
  try {
    std::size_t pos = 0;
    long i = std::stol(text, &pos);
    if (pos == text.size() && i >= 0 && static_cast<std::size_t>(i) < p.hosts_in_order.size()) return p.hosts_in_order[i];
  } catch (const std::exception&) {
  }
  throw option_error("--route", fmt::format("'{}' is neither a host of the platform nor a host index", text),
                     fmt::format("a host name such as '{}', or an index from 0 to {}",
                                 p.hosts_in_order.empty() ? "" : p.hosts_in_order.front()->get_name(),
                                 p.hosts_in_order.size() - 1));
}

std::string join_doubles(const nlohmann::json& values, std::string (*fmt_one)(double)) {
  std::string s;
  for (const auto& v : values) s += (s.empty() ? "" : ", ") + fmt_one(v.get<double>());
  return s;
}

std::string summary_text(const std::string& file, const nlohmann::json& s) {
  std::string out = fmt::format("platform   {}\n", file);
  std::string names;
  for (const auto& n : s["host_names"]) names += (names.empty() ? "" : " ") + n.get<std::string>();
  if (s["hosts"].get<std::size_t>() > s["host_names"].size()) names += " ...";
  out += fmt::format("hosts      {} ({})\n", s["hosts"].get<std::size_t>(), names);
  std::string presets;
  for (const auto& [p, n] : s["presets"].items()) presets += fmt::format("{}{} x {}", presets.empty() ? "" : ", ", p, n.get<int>());
  out += fmt::format("presets    {}\n", presets.empty() ? "none" : presets);
  out += fmt::format("links      {} ({} split-duplex links counted per direction), {} routers\n", s["links"].get<int>(),
                     s["split_duplex_links"].get<std::size_t>(), s["routers"].get<std::size_t>());
  if (s["contention_links"].get<int>() > 0)
    out += fmt::format("contention curve on {} links\n", s["contention_links"].get<int>());
  if (s["efficiency_links"].get<int>() > 0)
    out += fmt::format("payload efficiency applied to {} links\n", s["efficiency_links"].get<int>());
  out += "roles\n";
  for (const auto& [role, r] : s["roles"].items())
    out += fmt::format("  {:<16} {:>6} links  {}  latency {}\n", role, r["links"].get<int>(),
                       join_doubles(r["bandwidths_Bps"], format_bandwidth), join_doubles(r["latencies_s"], format_duration));
  return out;
}

std::string route_text(const RouteInfo& r) {
  std::string out = fmt::format("route {} -> {}\n", r.src, r.dst);
  for (const auto& h : r.hops)
    out += fmt::format("  {:<32} {:<14} {:>12}  {}\n", h.link, h.role, format_bandwidth(h.bandwidth_Bps),
                       format_duration(h.latency_s));
  out += fmt::format("  latency {}, bottleneck {} ({})\n", format_duration(r.latency_s), format_bandwidth(r.bottleneck_Bps),
                     r.bottleneck_link);
  return out;
}

void add_gen(CLI::App* platform) {
  struct Options {
    std::string kind, output;
    bool json = false;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* gen = platform->add_subcommand(
      "gen", "Write a platform from a generator: platform gen KIND [--key value ...] -o FILE "
             "(parameters: `chimera-sim platform kinds KIND`)");
  gen->add_option("kind", opt->kind, "Generator: " + generator_kind_choices())->required();
  gen->add_option("-o,--output", opt->output,
                  "Output XML file (default: stdout); with --ns3, x.xml becomes x-ns3.xml, the sibling fidelity runs use");
  gen->add_flag("--json", opt->json, "Print {\"kind\", \"output\", \"description\", \"bytes\"} as one JSON object");
  gen->allow_extras();
  gen->fallthrough(false);  // its extras are the generator's keys, not the parent's options
  gen->callback([opt, gen] {
    GeneratedPlatform g = generate_from_cli(opt->kind, gen->remaining());
    // The ns-3 variant of x.xml is x-ns3.xml, the sibling `fidelity` and sweeps look for: never
    // overwrite the flow-level file with it.
    const std::string& out = opt->output;
    if (g.description.find("ns3=true") != std::string::npos && out.size() > 4 && out.ends_with(".xml") &&
        !out.ends_with("-ns3.xml"))
      opt->output = out.substr(0, out.size() - 4) + "-ns3.xml";
    if (!opt->output.empty()) write_file_atomically(opt->output, g.xml, "--output");
    if (opt->json) {
      print_json({{"kind", opt->kind}, {"output", opt->output}, {"description", g.description}, {"bytes", g.xml.size()}});
    } else if (opt->output.empty()) {
      std::cout << g.xml;
    } else {
      std::cout << fmt::format("wrote {} ({})\n", opt->output, g.description);
    }
  });
}

void add_kinds(CLI::App* platform) {
  struct Options {
    std::string kind;
    bool json = false;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* cmd = platform->add_subcommand("kinds", "List the platform generators and their parameters");
  cmd->add_option("kind", opt->kind, "Only this generator");
  cmd->add_flag("--json", opt->json, "Print {\"kinds\": [...]} as one JSON object");
  cmd->callback([opt] {
    if (!opt->kind.empty() && !find_generator_kind(opt->kind))
      throw option_error("KIND", fmt::format("unknown platform generator '{}'", opt->kind), generator_kind_choices());
    nlohmann::json kinds = nlohmann::json::array();
    std::string text;
    for (const auto& k : generator_kinds()) {
      if (!opt->kind.empty() && k.name != opt->kind) continue;
      nlohmann::json params = nlohmann::json::array();
      text += fmt::format("{}: {}\n", k.name, k.summary);
      for (const auto& p : k.params) {
        params.push_back({{"key", p.key}, {"type", param_type_name(p.type)}, {"default", p.default_value}, {"help", p.help},
                          {"choices", p.choices}});
        std::string flag = p.key;
        std::replace(flag.begin(), flag.end(), '_', '-');
        text += fmt::format("  --{:<24} {}{}\n", flag, p.help,
                            p.default_value.empty() ? "" : fmt::format(" [default {}]", p.default_value));
      }
      kinds.push_back({{"name", k.name}, {"summary", k.summary}, {"params", std::move(params)}});
    }
    if (opt->json) print_json({{"kinds", std::move(kinds)}});
    else std::cout << text;
  });
}

void add_show(CLI::App* platform) {
  struct Options {
    std::string file, network = "CM02", bytes;
    std::vector<std::string> route;
    bool json = false;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* cmd = platform->add_subcommand("show", "Hosts, links by role, and the route and bottleneck between two hosts");
  cmd->add_option("file", opt->file, "SimGrid platform XML file")->required();
  cmd->add_option("--route", opt->route, "Two hosts (names or indices): show the route between them")->expected(2);
  cmd->add_option("--bytes", opt->bytes, "With --route: time of a lone transfer of this size (latency + bytes / bottleneck)");
  cmd->add_option("--network-model", opt->network, std::string("Network model: ") + kNetworkModelChoices)->capture_default_str();
  cmd->add_flag("--json", opt->json, "Print one JSON object (hosts, links, roles, route)");
  cmd->callback([opt] {
    NetworkSettings network = network_from_option(opt->network);
    double bytes = -1;
    if (!opt->bytes.empty()) {
      if (opt->route.empty()) throw option_error("--bytes", "needs --route A B");
      try {
        bytes = parse_bytes(opt->bytes);
      } catch (const std::invalid_argument& e) {
        throw option_error("--bytes", e.what());
      }
    }
    EngineHolder holder(network);
    LoadedPlatform loaded = load_platform(*holder.engine, file_spec(opt->file), 0, network);
    nlohmann::json out = platform_summary(*holder.engine, loaded);
    out["platform"] = opt->file;
    out["network"] = describe(network);
    std::string text = summary_text(opt->file, out);
    if (!opt->route.empty()) {
      RouteInfo r = route_between(host_arg(loaded, opt->route[0]), host_arg(loaded, opt->route[1]));
      out["route"] = route_json(r);
      text += route_text(r);
      if (bytes >= 0) {
        out["route"]["bytes"] = bytes;
        out["route"]["transfer_time_s"] = r.transfer_time_s(bytes);
        text += fmt::format("  a lone {} transfer: {} (latency + bytes / bottleneck)\n", format_bytes(bytes),
                            format_duration(r.transfer_time_s(bytes)));
      }
    }
    if (opt->json) print_json(out);
    else std::cout << text;
  });
}

void add_check(CLI::App* platform) {
  struct Options {
    std::string file, network = "CM02";
    bool json = false;
  };
  auto opt = std::make_shared<Options>();
  CLI::App* cmd = platform->add_subcommand("check", "Check a platform: loads, routes between hosts, properties; "
                                                    "exits with code 2 when there are problems");
  cmd->add_option("file", opt->file, "SimGrid platform XML file")->required();
  cmd->add_option("--network-model", opt->network, std::string("Network model: ") + kNetworkModelChoices)->capture_default_str();
  cmd->add_flag("--json", opt->json, "Print {\"ok\", \"problems\", \"warnings\", \"hosts\", \"links\"} as one JSON object");
  cmd->callback([opt] {
    NetworkSettings network = network_from_option(opt->network);
    CheckReport rep;
    nlohmann::json summary;
    {
      EngineHolder holder(network);
      try {
        LoadedPlatform loaded = load_platform(*holder.engine, file_spec(opt->file), 0, network);
        summary = platform_summary(*holder.engine, loaded);
        rep = check_platform(*holder.engine, loaded);
      } catch (const InputError& e) {
        rep.problems.push_back(e.what());
      }
    }
    const bool ok = rep.problems.empty();
    if (opt->json) {
      nlohmann::json out = {{"platform", opt->file},
                            {"network", describe(network)},
                            {"ok", ok},
                            {"problems", rep.problems},
                            {"warnings", rep.warnings}};
      if (!summary.is_null()) out["hosts"] = summary["hosts"], out["links"] = summary["links"];
      print_json(out);
    } else {
      std::cout << fmt::format("{}: {}\n", opt->file, ok ? "ok" : fmt::format("{} problem(s)", rep.problems.size()));
      if (!summary.is_null())
        std::cout << fmt::format("  {} hosts, {} links\n", summary["hosts"].get<std::size_t>(), summary["links"].get<int>());
      for (const auto& p : rep.problems) std::cout << "  problem: " << p << "\n";
      for (const auto& w : rep.warnings) std::cout << "  warning: " << w << "\n";
    }
    if (!ok) throw CLI::RuntimeError(kExitInputError);
  });
}

}  // namespace

void add_platform_command(CLI::App& app) {
  CLI::App* platform = app.add_subcommand("platform", "Generate, list, show and check SimGrid platforms");
  platform->require_subcommand(1);
  add_gen(platform);
  add_kinds(platform);
  add_show(platform);
  add_check(platform);
}

}  // namespace chimera
