#include "actors/simulate.hpp"

#include <dlfcn.h>
#include <fmt/format.h>
#include <simgrid/s4u/Actor.hpp>
#include <simgrid/s4u/Engine.hpp>
#include <simgrid/s4u/Link.hpp>
#include <simgrid/s4u/NetZone.hpp>
#include <xbt/config.hpp>
#include <xbt/log.h>

#include <algorithm>
#include <limits>
#include <memory>
#include <set>
#include <tuple>

#include "actors/engine_capacity.hpp"
#include "collectives/comm_context.hpp"
#include "collectives/rank_loop.hpp"
#include "collectives/run_collective.hpp"
#include "collectives/transfers.hpp"
#include "workloads/channels.hpp"
#include "common/input_error.hpp"
#include "platforms/engine_log.hpp"
#include "platforms/platform_loader.hpp"

XBT_LOG_NEW_DEFAULT_SUBCATEGORY(chimera_actors, chimera,
                                "GPU actors: which op each rank starts, what it waits on, when it finishes");

namespace chimera {
namespace {

namespace s4u = simgrid::s4u;

constexpr OpIndex kNoOp = std::numeric_limits<OpIndex>::max();

// Finished ops of all ranks, for progress reports (SimulationOptions::on_progress).
struct OpCounter {
  std::uint64_t done = 0, every = 1;
  const std::function<void(double, std::uint64_t)>* report = nullptr;
  void add() {
    if (++done % every == 0) (*report)(s4u::Engine::get_clock(), done);
  }
};

// One rank at run time: its ops by stream, how many dependencies each op still waits for, and
// which ops wait for each, so that finishing an op resumes exactly the stream it unblocks.
// Everything here is flat arrays sized once: no allocation per op.
struct RankRuntime {
  int rank = 0;
  const Program* program = nullptr;
  std::vector<OpTiming>* timings = nullptr;
  std::vector<std::uint32_t> missing;           // per op: dependencies not yet done
  std::vector<std::uint32_t> dependents_begin;  // per op + 1: where its dependents start
  std::vector<OpIndex> dependents;              // ops listing op i among their deps (CSR)
  std::vector<std::uint32_t> stream_begin;      // per stream + 1
  std::vector<OpIndex> stream_ops;              // the ops of each stream in program order (CSR)
  std::vector<OpIndex> waiting_op;              // per stream: the op it waits to start, or kNoOp
  std::vector<std::coroutine_handle<>> waiting;  // per stream: its suspended task
  std::optional<RankLoop> loop;
  OpCounter* counter = nullptr;  // when progress is reported

  void build(const Program& p) {
    program = &p;
    const std::size_t n = p.ops().size(), streams = p.stream_names().size();
    missing.assign(n, 0);
    dependents_begin.assign(n + 1, 0);
    stream_begin.assign(streams + 1, 0);
    for (OpIndex i = 0; i < n; ++i) {
      missing[i] = static_cast<std::uint32_t>(p.ops()[i].deps.size());
      for (OpIndex d : p.ops()[i].deps) dependents_begin[d + 1]++;
      stream_begin[p.ops()[i].stream + 1]++;
    }
    for (std::size_t i = 0; i < n; ++i) dependents_begin[i + 1] += dependents_begin[i];
    for (std::size_t s = 0; s < streams; ++s) stream_begin[s + 1] += stream_begin[s];
    dependents.resize(dependents_begin[n]);
    stream_ops.resize(n);
    std::vector<std::uint32_t> fill(dependents_begin.begin(), dependents_begin.end() - 1);
    std::vector<std::uint32_t> stream_fill(stream_begin.begin(), stream_begin.end() - 1);
    for (OpIndex i = 0; i < n; ++i) {
      for (OpIndex d : p.ops()[i].deps) dependents[fill[d]++] = i;
      stream_ops[stream_fill[p.ops()[i].stream]++] = i;
    }
    waiting_op.assign(streams, kNoOp);
    waiting.assign(streams, {});
  }

  bool done(OpIndex i) const { return (*timings)[i].end_s >= 0; }

  void finish(OpIndex i) {
    for (std::uint32_t k = dependents_begin[i]; k < dependents_begin[i + 1]; ++k) {
      const OpIndex d = dependents[k];
      if (--missing[d] != 0) continue;
      const std::uint16_t s = program->ops()[d].stream;
      if (waiting_op[s] == d) {
        waiting_op[s] = kNoOp;
        loop->schedule(std::exchange(waiting[s], {}));
      }
    }
  }
};

// Suspends a stream until op i's dependencies are done.
struct DependenciesDone {
  RankRuntime& rt;
  OpIndex op;
  bool await_ready() const noexcept { return rt.missing[op] == 0; }
  void await_suspend(std::coroutine_handle<> h) noexcept {
    const std::uint16_t s = rt.program->ops()[op].stream;
    rt.waiting_op[s] = op;
    rt.waiting[s] = h;
  }
  void await_resume() const noexcept {}
};

Task<> communicate(CommContext& ctx, RankRuntime& rt, const Op& op) {
  Endpoint e{ctx, *rt.loop, rt.rank, op.effective_channel()};
  switch (op.kind) {
    case OpKind::collective: co_await run_collective(ctx, *rt.loop, *rt.program, op); break;
    case OpKind::send: co_await exchange(e, send_to(rt.program->peer(op), op.bytes), Receives{}); break;
    case OpKind::recv: co_await exchange(e, Sends{}, receive_from(rt.program->peer(op))); break;
    case OpKind::compute: break;
  }
}

// One stream of one GPU: its ops in program order, each once its dependencies are done.
Task<> run_stream_ops(CommContext& ctx, RankRuntime& rt, std::uint16_t stream) {
  for (std::uint32_t k = rt.stream_begin[stream]; k < rt.stream_begin[stream + 1]; ++k) {
    const OpIndex i = rt.stream_ops[k];
    const Op& op = rt.program->ops()[i];
    if (rt.missing[i] != 0 && XBT_LOG_ISENABLED(chimera_actors, xbt_log_priority_verbose)) {
      std::string deps;
      for (OpIndex d : op.deps)
        if (!rt.done(d)) deps += fmt::format(" {} ({})", d, describe(*rt.program, rt.program->ops()[d]));
      XBT_VERB("rank %d %s: op %u (%s) waits for%s", rt.rank, rt.program->stream_names()[stream].c_str(), unsigned(i),
                describe(*rt.program, op).c_str(), deps.c_str());
    }
    co_await DependenciesDone{rt, i};
    if (auto* b = ctx.barrier()) {  // the compat engine's global compute barrier
      co_await b->turn(*rt.loop);
      if (op.kind == OpKind::compute) b->begin_compute(op.duration_s);
    }
    (*rt.timings)[i].start_s = s4u::Engine::get_clock();
    XBT_VERB("rank %d %s: op %u (%s) starts", rt.rank, rt.program->stream_names()[stream].c_str(), unsigned(i),
              describe(*rt.program, op).c_str());
    if (op.kind == OpKind::compute) co_await rt.loop->sleep_for(op.duration_s);
    else co_await communicate(ctx, rt, op);
    (*rt.timings)[i].end_s = s4u::Engine::get_clock();
    XBT_VERB("rank %d %s: op %u done", rt.rank, rt.program->stream_names()[stream].c_str(), unsigned(i));
    rt.finish(i);
    if (rt.counter) rt.counter->add();
  }
}

// A failing op (e.g. a message between hosts without a route) ends the whole simulation.
Task<> run_stream(CommContext& ctx, RankRuntime& rt, std::uint16_t stream) {
  try {
    co_await run_stream_ops(ctx, rt, stream);
  } catch (...) {
    rt.loop->fail();
    throw;
  }
}

// The GPU's actor: every stream a task of the rank's loop.
void rank_actor(CommContext* ctx, RankRuntime* rt) {
  for (std::size_t s = 0; s + 1 < rt->stream_begin.size(); ++s)
    if (rt->stream_begin[s + 1] > rt->stream_begin[s]) rt->loop->spawn(run_stream(*ctx, *rt, static_cast<std::uint16_t>(s)));
  rt->loop->run();
}

std::vector<std::string> engine_arguments(const SimulationOptions& o, const ContextPlan& contexts) {
  std::vector<std::string> args = {"chimera-sim"};
  for (const auto& c : simgrid_config(o.network)) args.push_back("--cfg=" + c);
  args.push_back(fmt::format("--cfg=contexts/stack-size:{}", contexts.stack_kib));
  args.push_back(fmt::format("--cfg=contexts/guard-size:{}", contexts.guard_pages));
#ifdef CHIMERA_SANITIZED
  // ASan cannot follow SimGrid's hand-made stack switches (Debian's libsimgrid is not built
  // with sanitizer fiber annotations): run actors as system threads instead.
  args.push_back("--cfg=contexts/factory:thread");
#endif
  for (auto& a : engine_log_arguments()) args.push_back(std::move(a));
  return args;
}

// SimGrid 3.32 keeps the simulated clock in a static member (EngineImpl::now_) that outlives
// its engine: a second engine in one process would start at the first one's end. Reset it
// before an engine is created, so that each simulation starts at 0 as in a fresh process. (The
// member is private; its symbol is exported by libsimgrid.)
void reset_engine_clock() {
  static auto* now = static_cast<double*>(dlsym(RTLD_DEFAULT, "_ZN7simgrid6kernel10EngineImpl4now_E"));
  if (now) *now = 0;
}

std::string pending_ops(const std::vector<RankRuntime>& rts) {
  std::string out;
  int shown = 0;
  for (const auto& rt : rts) {
    for (OpIndex i = 0; i < rt.program->ops().size(); ++i) {
      if (rt.done(i)) continue;
      const OpTiming& t = (*rt.timings)[i];
      if (t.start_s < 0 && rt.missing[i] != 0) continue;  // not the blocking one
      out += fmt::format("\n  rank {} op {} ({}){}", rt.rank, i, describe(*rt.program, rt.program->ops()[i]),
                         t.start_s >= 0 ? fmt::format(" started at {:.9g} s", t.start_s) : " ready, not started");
      if (++shown == 8) return out + "\n  ...";
      break;
    }
  }
  return out;
}

// Every collective is checked before any actor starts: a bad algorithm choice must be an
// input error, never an exception inside the engine. Each (group, kind, algorithm) is
// resolved once here, and the run reuses the answer.
void check_collectives(CommContext& ctx, const std::vector<Program>& programs) {
  std::set<std::tuple<const Group*, const Group*, int, int, double>> seen;
  for (const Program& p : programs)
    for (std::size_t i = 0; i < p.ops().size(); ++i) {
      const Op& op = p.ops()[i];
      if (op.kind != OpKind::collective) continue;
      const Group* group = op.group < p.groups.size() ? p.groups[op.group].get() : nullptr;
      const Group* targets = p.targets(op);
      if (!group)
        throw InputError({}, "collective", fmt::format("rank {} op {} ({}): no group bound to its slot", p.rank, i, op.name),
                         algorithms_for(op.collective));
      if (!seen.emplace(group, targets, int(op.collective), int(op.algorithm), ctx.options().nccl.enabled ? op.bytes : 0.0)
               .second)
        continue;
      const CollectiveAlgorithm* known = ctx.resolved(*group, op);
      const CollectiveAlgorithm a = known ? *known : resolve_algorithm(ctx, op, *group);
      std::string problem = collective_problem(ctx, op, group, targets, a);
      if (!problem.empty())
        throw InputError({}, "collective", fmt::format("rank {} op {} ({}): {}", p.rank, i, describe(p, op), problem),
                         algorithms_for(op.collective));
      if (!known) ctx.remember_resolved(*group, op, a);
    }
}

// Streams that may sleep at the same time on one rank: a stream runs one op at a time and an op
// one sleep at a time, except a double binary tree (four directions at once).
int concurrent_sleeps(CommContext& ctx, const Program& p) {
  const bool comm_sleeps = ctx.barrier() || !ctx.options().reduction_seconds_per_byte.empty() ||
                           ctx.options().granularity == Granularity::aggregated || ctx.options().nccl.enabled;
  std::vector<int> per_stream(p.stream_names().size(), 0);
  for (const Op& op : p.ops()) {
    int& s = per_stream[op.stream];
    if (op.kind == OpKind::compute || ctx.barrier()) s = std::max(s, 1);
    if (op.kind != OpKind::collective || !comm_sleeps) continue;
    // Under NCCL's model `auto` is resolved only once routes exist (after sealing, which needs
    // this count): count it as the rings it may become.
    const bool nccl = ctx.options().nccl.enabled;
    const CollectiveAlgorithm* a = nccl ? &op.algorithm : ctx.resolved(p.group(op), op);
    int lanes = a && *a == CollectiveAlgorithm::double_binary_tree ? 4 : 1;
    if (nccl && (*a == CollectiveAlgorithm::ring || *a == CollectiveAlgorithm::automatic)) {  // one ring per rail
      const auto& nodes = ctx.members_by_node(p.group(op));
      if (nodes.size() > 1) lanes = std::max(lanes, std::min(static_cast<int>(nodes.front().size()), channels::kMaxLanes));
    }
    s = std::max(s, lanes);
  }
  int total = 0;
  for (int s : per_stream) total += s;
  return total;
}

}  // namespace

// The root zone's NCCL-model props (collectives/nccl_model.hpp); a forced protocol from the
// options stays.
void read_nccl_model(s4u::NetZone& root, const std::string& where, NcclModel& m) {
  auto number = [&](const char* key, double lo, double hi, double& out) {
    const char* v = root.get_property(key);
    if (!v) return;
    char* end = nullptr;
    double x = std::strtod(v, &end);
    if (end == v || *end != '\0' || !(x > lo && x <= hi))
      throw InputError({where}, key, fmt::format("'{}' is not a number in ({}, {}]", v, lo, hi), "e.g. 1");
    out = x;
  };
  auto flag = [&](const char* key, bool& out) {
    const char* v = root.get_property(key);
    if (!v) return;
    std::string t = v;
    if (t != "true" && t != "false") throw InputError({where}, key, fmt::format("'{}' is not a boolean", t), "true, false");
    out = t == "true";
  };
  if (const char* model = root.get_property("collective_model")) {
    std::string t = model;
    if (t != "nccl" && t != "flows")
      throw InputError({where}, "collective_model", fmt::format("unknown collective model '{}'", t), "nccl, flows");
    m.enabled = t == "nccl";
  }
  flag("nvls", m.nvls);
  flag("ll128", m.ll128);
  number("nvls_efficiency", 0, 1, m.nvls_efficiency);
  number("collective_latency_scale", 0, 1000, m.latency_scale);
}

struct Simulation::Impl {
  SimulationOptions options;
  std::vector<std::string> args;
  std::vector<char*> argv;
  std::unique_ptr<s4u::Engine> engine;
  LoadedPlatform platform;
  std::vector<std::string> host_names;
  CollectiveOptions collectives;
  SleepHosts sleep_hosts;
  bool sealed = false;
  bool ran = false;

  // Adds the sleep hosts (SimGrid adds no host to a sealed platform), then seals.
  void seal(int sleep_hosts_needed) {
    if (sealed) return;
    sleep_hosts.create(engine->get_netzone_root(), sleep_hosts_needed);
    seal_loaded_platform(*engine, options.platform, options.network);
    sealed = true;
  }
};

Simulation::Simulation(const SimulationOptions& options, int ranks) : impl_(std::make_unique<Impl>()) {
  impl_->options = options;
  const ContextPlan contexts = plan_contexts(ranks);
  impl_->args = engine_arguments(options, contexts);
  for (auto& a : impl_->args) impl_->argv.push_back(a.data());
  impl_->argv.push_back(nullptr);
  int argc = static_cast<int>(impl_->args.size());
  reset_engine_clock();
  impl_->engine = std::make_unique<s4u::Engine>(&argc, impl_->argv.data());
  capture_engine_log();
  impl_->platform = load_platform(*impl_->engine, options.platform, ranks, options.network, /*seal=*/false);
  for (auto* h : impl_->platform.rank_hosts) impl_->host_names.push_back(h->get_name());
  impl_->collectives = options.collectives;
  read_nccl_model(*impl_->engine->get_netzone_root(), options.platform.description, impl_->collectives.nccl);
  if (impl_->collectives.platform_default == CollectiveAlgorithm::automatic) {
    const char* preferred = impl_->engine->get_netzone_root()->get_property("collective_algorithm");
    if (preferred && !parse_collective_algorithm(preferred, impl_->collectives.platform_default))
      throw InputError({options.platform.description}, "collective_algorithm",
                       fmt::format("the platform prefers an unknown collective algorithm '{}'", preferred),
                       kCollectiveAlgorithmChoices);
  }
}

AlphaBeta Simulation::route_alpha_beta(int src, int dst) const {
  impl_->seal(0);
  std::vector<s4u::Link*> links;
  double latency = 0;
  impl_->platform.rank_hosts.at(src)->route_to(impl_->platform.rank_hosts.at(dst), links, &latency);
  double bandwidth = std::numeric_limits<double>::infinity();
  for (auto* l : links) bandwidth = std::min(bandwidth, l->get_bandwidth());
  return {bandwidth, latency};
}

CollectiveAlgorithm Simulation::resolved_algorithm(const Program& program, const Op& op) {
  if (impl_->collectives.nccl.enabled) impl_->seal(0);  // NCCL's choice reads routes
  CommContext ctx(impl_->platform.rank_hosts, impl_->collectives);
  return resolve_algorithm(ctx, op, program.group(op));
}

Simulation::CollectiveChoice Simulation::collective_choice(const Program& program, const Op& op) {
  if (impl_->collectives.nccl.enabled) impl_->seal(0);  // NCCL's choice reads routes
  CommContext ctx(impl_->platform.rank_hosts, impl_->collectives);
  CollectiveChoice c;
  c.algorithm = resolve_algorithm(ctx, op, program.group(op));
  const NcclRun r = nccl_run(ctx, op, program.group(op), c.algorithm);
  if (r.applies) c.protocol = to_string(r.protocol), c.nccl_estimate_s = r.estimate_s;
  return c;
}

void Simulation::set_reduction_costs(std::vector<double> seconds_per_byte) {
  impl_->collectives.reduction_seconds_per_byte = std::move(seconds_per_byte);
}

void Simulation::set_progress(std::function<void(double, std::uint64_t)> report, std::uint64_t every_ops) {
  impl_->options.on_progress = std::move(report);
  impl_->options.progress_every_ops = every_ops;
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
  // NCCL's model resolves `auto` from routes, which exist once the platform is sealed.
  const bool resolve_after_seal = impl_->collectives.nccl.enabled;
  ctx.set_platform_name(impl_->options.platform.xml_file.empty() ? impl_->options.platform.description
                                                                  : impl_->options.platform.xml_file);
  if (!resolve_after_seal) check_collectives(ctx, programs);
  int sleeps = 0;
  for (const Program& p : programs) sleeps += concurrent_sleeps(ctx, p);
  if (impl_->sealed && sleeps > impl_->sleep_hosts.size())
    throw std::logic_error("the platform was sealed before run(): no room for the simulation's sleep hosts");
  EngineDemand demand;
  demand.actors = ranks;
  demand.sleep_hosts = sleeps;
  for (const Program& p : programs) {
    demand.ops += static_cast<std::int64_t>(p.ops().size());
    for (const Op& op : p.ops()) demand.dependencies += static_cast<std::int64_t>(op.deps.size());
  }
  XBT_VERB("engine memory estimate: %.1f MiB for %lld actors, %lld ops, %lld dependencies, %lld sleep hosts",
           engine_bytes(demand) / (1024.0 * 1024.0), (long long)demand.actors, (long long)demand.ops,
           (long long)demand.dependencies, (long long)demand.sleep_hosts);
  check_engine_memory(demand);
  impl_->seal(sleeps);
  if (resolve_after_seal) check_collectives(ctx, programs);

  const double precision = simgrid::config::get_value<double>("surf/precision");
  std::vector<RankRuntime> runtimes(ranks);
  OpCounter counter;
  if (impl_->options.on_progress) {
    counter.report = &impl_->options.on_progress;
    counter.every = std::max<std::uint64_t>(1, impl_->options.progress_every_ops);
  }
  for (int r = 0; r < ranks; ++r) {
    RankRuntime& rt = runtimes[r];
    if (counter.report) rt.counter = &counter;
    rt.rank = r;
    rt.build(programs[r]);
    result.timings[r].assign(programs[r].ops().size(), OpTiming{});
    rt.timings = &result.timings[r];
    rt.loop.emplace(impl_->sleep_hosts, precision);
  }
  for (int r = 0; r < ranks; ++r)
    if (!programs[r].ops().empty()) s4u::Actor::create(fmt::format("rank{}", r), hosts[r], rank_actor, &ctx, &runtimes[r]);

  bool deadlocked = false;
  s4u::Engine::on_deadlock_cb([&] { deadlocked = true; });
  std::optional<LinkStatsCollector> link_stats;
  if (impl_->options.link_stats) link_stats.emplace();
  impl_->engine->run();

  for (const auto& rt : runtimes)
    if (auto e = rt.loop->error()) std::rethrow_exception(e);
  bool unfinished = std::any_of(runtimes.begin(), runtimes.end(), [](const RankRuntime& rt) {
    for (OpIndex i = 0; i < rt.program->ops().size(); ++i)
      if (!rt.done(i)) return true;
    return false;
  });
  if (deadlocked || unfinished)
    throw SimulationDeadlock("the programs cannot finish: ops left waiting (a receive without its send, or a "
                             "collective some member never joins):" + pending_ops(runtimes));

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
