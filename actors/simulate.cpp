#include "actors/simulate.hpp"

#include <fmt/format.h>
#include <simgrid/s4u/Actor.hpp>
#include <simgrid/s4u/ConditionVariable.hpp>
#include <simgrid/s4u/Engine.hpp>
#include <simgrid/s4u/Mutex.hpp>

#include <simgrid/s4u/NetZone.hpp>

#include <simgrid/s4u/Link.hpp>

#include <algorithm>
#include <limits>
#include <memory>
#include <mutex>
#include <set>
#include <tuple>

#include "collectives/comm_context.hpp"
#include "collectives/run_collective.hpp"
#include "common/input_error.hpp"
#include "platforms/platform_loader.hpp"

namespace chimera {
namespace {

namespace s4u = simgrid::s4u;

// What a rank's stream actors share: which ops are done, and a condition variable to wake
// streams waiting for a dependency on another stream.
struct RankRuntime {
  int rank = 0;
  const Program* program = nullptr;
  std::vector<char> done;
  std::vector<OpTiming>* timings = nullptr;
  s4u::MutexPtr mutex;
  s4u::ConditionVariablePtr dependency_done;
};

bool deps_done(const RankRuntime& rt, const Op& op) {
  return std::all_of(op.deps.begin(), op.deps.end(), [&](OpIndex d) { return rt.done[d] != 0; });
}

void execute(CommContext& ctx, const RankRuntime& rt, const Op& op) {
  switch (op.kind) {
    case OpKind::compute: s4u::this_actor::sleep_for(op.duration_s); break;
    case OpKind::collective: run_collective(ctx, *rt.program, op); break;
    case OpKind::send: send_bytes(ctx, rt.rank, rt.program->peer(op), op.effective_channel(), op.bytes); break;
    case OpKind::recv: recv_bytes(ctx, rt.program->peer(op), rt.rank, op.effective_channel()); break;
  }
}

// One stream of one GPU: its ops in program order, each once its dependencies are done.
void stream_actor(CommContext* ctx, RankRuntime* rt, std::vector<OpIndex> ops) {
  for (OpIndex i : ops) {
    const Op& op = rt->program->ops()[i];
    if (!deps_done(*rt, op)) {
      std::unique_lock lock(*rt->mutex);
      rt->dependency_done->wait(lock, [&] { return deps_done(*rt, op); });
    }
    if (auto* b = ctx->barrier()) {  // the compat engine's global compute barrier
      b->wait_for_turn();
      if (op.kind == OpKind::compute) b->begin_compute(op.duration_s);
    }
    (*rt->timings)[i].start_s = s4u::Engine::get_clock();
    execute(*ctx, *rt, op);
    (*rt->timings)[i].end_s = s4u::Engine::get_clock();
    {
      std::unique_lock lock(*rt->mutex);
      rt->done[i] = 1;
    }
    rt->dependency_done->notify_all();
  }
}

std::vector<std::string> engine_arguments(const SimulationOptions& o) {
  std::vector<std::string> args = {"chimera-sim"};
  for (const auto& c : simgrid_config(o.network)) args.push_back("--cfg=" + c);
  // Tens of thousands of stream actors: small stacks keep the address space in check.
  args.push_back("--cfg=contexts/stack-size:256");
#ifdef CHIMERA_SANITIZED
  // ASan cannot follow SimGrid's hand-made stack switches (Debian's libsimgrid is not built
  // with sanitizer fiber annotations): run actors as system threads instead.
  args.push_back("--cfg=contexts/factory:thread");
#endif
  args.push_back("--log=root.thresh:warning");
  args.push_back("--log=xbt_cfg.thresh:warning");
  return args;
}

std::string pending_ops(const std::vector<Program>& programs, const std::vector<RankRuntime>& rts) {
  std::string out;
  int shown = 0;
  for (const auto& rt : rts) {
    for (std::size_t i = 0; i < rt.done.size(); ++i) {
      if (rt.done[i]) continue;
      const OpTiming& t = (*rt.timings)[i];
      if (t.start_s < 0 && !deps_done(rt, rt.program->ops()[i])) continue;  // not the blocking one
      out += fmt::format("\n  rank {} op {} ({}){}", rt.rank, i, describe(*rt.program, rt.program->ops()[i]),
                         t.start_s >= 0 ? fmt::format(" started at {:.9g} s", t.start_s) : " ready, not started");
      if (++shown == 8) return out + "\n  ...";
      break;
    }
  }
  return out;
}

// Every collective is checked before any actor starts: a bad algorithm choice must be an
// input error, never an exception inside the engine.
void check_collectives(CommContext& ctx, const std::vector<Program>& programs) {
  std::set<std::tuple<const Group*, const Group*, int, int>> seen;
  for (const Program& p : programs)
    for (std::size_t i = 0; i < p.ops().size(); ++i) {
      const Op& op = p.ops()[i];
      if (op.kind != OpKind::collective) continue;
      const Group* group = op.group < p.groups.size() ? p.groups[op.group].get() : nullptr;
      const Group* targets = p.targets(op);
      if (!seen.emplace(group, targets, int(op.collective), int(op.algorithm)).second) continue;
      std::string problem = group ? collective_problem(ctx, op, group, targets, resolve_algorithm(ctx, op, *group))
                                  : "no group bound to the op's slot";
      if (!problem.empty())
        throw InputError({}, "collective", fmt::format("rank {} op {} ({}): {}", p.rank, i, group ? describe(p, op) : op.name, problem),
                         algorithms_for(op.collective));
    }
}

}  // namespace

struct Simulation::Impl {
  std::vector<std::string> args;
  std::vector<char*> argv;
  std::unique_ptr<s4u::Engine> engine;
  LoadedPlatform platform;
  std::vector<std::string> host_names;
  CollectiveOptions collectives;
  bool link_stats = false;
  bool ran = false;
};

Simulation::Simulation(const SimulationOptions& options, int ranks) : impl_(std::make_unique<Impl>()) {
  impl_->args = engine_arguments(options);
  for (auto& a : impl_->args) impl_->argv.push_back(a.data());
  impl_->argv.push_back(nullptr);
  int argc = static_cast<int>(impl_->args.size());
  impl_->engine = std::make_unique<s4u::Engine>(&argc, impl_->argv.data());
  impl_->platform = load_platform(*impl_->engine, options.platform, ranks, options.network);
  impl_->link_stats = options.link_stats;
  for (auto* h : impl_->platform.rank_hosts) impl_->host_names.push_back(h->get_name());
  impl_->collectives = options.collectives;
  if (impl_->collectives.platform_default == CollectiveAlgorithm::automatic) {
    const char* preferred = impl_->engine->get_netzone_root()->get_property("collective_algorithm");
    if (preferred && !parse_collective_algorithm(preferred, impl_->collectives.platform_default))
      throw InputError({options.platform.description}, "collective_algorithm",
                       fmt::format("the platform prefers an unknown collective algorithm '{}'", preferred),
                       kCollectiveAlgorithmChoices);
  }
}

AlphaBeta Simulation::route_alpha_beta(int src, int dst) const {
  std::vector<s4u::Link*> links;
  double latency = 0;
  impl_->platform.rank_hosts.at(src)->route_to(impl_->platform.rank_hosts.at(dst), links, &latency);
  double bandwidth = std::numeric_limits<double>::infinity();
  for (auto* l : links) bandwidth = std::min(bandwidth, l->get_bandwidth());
  return {bandwidth, latency};
}

CollectiveAlgorithm Simulation::resolved_algorithm(const Program& program, const Op& op) {
  CommContext ctx(impl_->platform.rank_hosts, impl_->collectives);
  return resolve_algorithm(ctx, op, program.group(op));
}

void Simulation::set_reduction_costs(std::vector<double> seconds_per_byte) {
  impl_->collectives.reduction_seconds_per_byte = std::move(seconds_per_byte);
}

Simulation::~Simulation() = default;

int Simulation::ranks() const { return static_cast<int>(impl_->platform.rank_hosts.size()); }

const std::string& Simulation::rank_host_name(int rank) const { return impl_->host_names.at(rank); }

std::string Simulation::rank_host_property(int rank, const std::string& key) const {
  const char* v = impl_->platform.rank_hosts.at(rank)->get_property(key);
  return v ? v : "";
}

SimulationResult Simulation::run(const std::vector<Program>& programs) {
  if (impl_->ran) throw std::logic_error("a Simulation runs once (SimGrid allows one engine per process)");
  impl_->ran = true;
  const int ranks = static_cast<int>(programs.size());
  if (ranks > this->ranks()) throw std::logic_error("more programs than ranks mapped to hosts");
  const auto& hosts = impl_->platform.rank_hosts;

  SimulationResult result;
  result.timings.resize(ranks);
  CommContext ctx(hosts, impl_->collectives);
  check_collectives(ctx, programs);
  std::vector<RankRuntime> runtimes(ranks);
  for (int r = 0; r < ranks; ++r) {
    const Program& p = programs[r];
    RankRuntime& rt = runtimes[r];
    rt.rank = r;
    rt.program = &p;
    rt.done.assign(p.ops().size(), 0);
    result.timings[r].assign(p.ops().size(), OpTiming{});
    rt.timings = &result.timings[r];
    rt.mutex = s4u::Mutex::create();
    rt.dependency_done = s4u::ConditionVariable::create();
    std::vector<std::vector<OpIndex>> per_stream(p.stream_names().size());
    for (OpIndex i = 0; i < p.ops().size(); ++i) per_stream[p.ops()[i].stream].push_back(i);
    for (std::size_t s = 0; s < per_stream.size(); ++s) {
      if (per_stream[s].empty()) continue;
      s4u::Actor::create(fmt::format("rank{}.{}", r, p.stream_names()[s]), hosts[r], stream_actor, &ctx, &rt,
                         std::move(per_stream[s]));
    }
  }

  bool deadlocked = false;
  s4u::Engine::on_deadlock_cb([&] { deadlocked = true; });
  std::optional<LinkStatsCollector> link_stats;
  if (impl_->link_stats) link_stats.emplace();
  impl_->engine->run();

  bool unfinished = std::any_of(runtimes.begin(), runtimes.end(), [](const RankRuntime& rt) {
    return std::any_of(rt.done.begin(), rt.done.end(), [](char d) { return d == 0; });
  });
  if (deadlocked || unfinished)
    throw SimulationDeadlock("the programs cannot finish: ops left waiting (a receive without its send, or a "
                             "collective some member never joins):" + pending_ops(programs, runtimes));

  result.makespan_s = s4u::Engine::get_clock();
  result.rank_hosts.assign(impl_->host_names.begin(), impl_->host_names.begin() + ranks);
  result.bytes_sent = ctx.bytes_sent;
  result.bytes_sent_by_rank.assign(ctx.bytes_sent_by_rank.begin(), ctx.bytes_sent_by_rank.begin() + ranks);
  result.messages_sent = ctx.messages_sent;
  if (link_stats) result.link_stats = link_stats->result();
  return result;
}

SimulationResult simulate(const std::vector<Program>& programs, const SimulationOptions& options) {
  Simulation sim(options, static_cast<int>(programs.size()));
  return sim.run(programs);
}

}  // namespace chimera
