#include "collectives/run_collective.hpp"

#include <fmt/format.h>
#include <xbt/log.h>

#include <set>
#include <stdexcept>

#include "collectives/direct.hpp"
#include "collectives/double_binary_tree.hpp"
#include "collectives/halving_doubling.hpp"
#include "collectives/hierarchical.hpp"
#include "collectives/hierarchical_ring.hpp"
#include "collectives/multicast.hpp"
#include "collectives/nvls.hpp"
#include "collectives/ring.hpp"

XBT_LOG_NEW_DEFAULT_SUBCATEGORY(chimera_collectives, chimera,
                                "Collectives: each call (rank, kind, algorithm, group, bytes) and each message posted");

namespace chimera {
namespace {

using A = CollectiveAlgorithm;
using K = CollectiveKind;

bool implements(A a, K k) {
  switch (a) {
    case A::ring: return k != K::multicast;
    case A::ring_bidirectional: return k == K::all_reduce || k == K::reduce_scatter || k == K::all_gather;
    case A::hierarchical_ring:
      return k == K::all_reduce || k == K::reduce_scatter || k == K::all_gather || k == K::all_to_all;
    case A::halving_doubling:
    case A::halving_doubling_serial:
      return k == K::all_reduce || k == K::reduce_scatter || k == K::all_gather || k == K::all_to_all;
    case A::direct: return true;
    case A::double_binary_tree: return k == K::all_reduce;
    case A::binomial_tree: return k == K::broadcast || k == K::reduce;
    case A::hierarchical: return k == K::all_reduce || k == K::reduce_scatter || k == K::all_gather;
    case A::nvls: return k == K::all_reduce;
    case A::automatic: return true;
  }
  return false;
}

bool spans_nodes_evenly(CommContext& ctx, const Group& g) {
  const auto& nodes = ctx.members_by_node(g);
  return nodes.size() > 1 && nodes.front().size() > 1;
}

Task<> nothing() { co_return; }

// NCCL's latencies that the flows do not pay themselves, then the algorithm.
Task<> after(RankLoop& loop, double seconds, Task<> body) {
  co_await loop.sleep_for(seconds);
  co_await body;
}

Task<> run_algorithm(const CollectiveCall& c, A a) {
  switch (a) {
    case A::ring: return ring_collective(c, false);
    case A::ring_bidirectional: return ring_collective(c, true);
    case A::hierarchical_ring: return hierarchical_ring_collective(c);
    case A::halving_doubling: return halving_doubling_collective(c, false);
    case A::halving_doubling_serial: return halving_doubling_collective(c, true);
    case A::direct: return direct_collective(c);
    case A::double_binary_tree: return double_binary_tree_collective(c);
    case A::binomial_tree: return binomial_tree_collective(c);
    case A::hierarchical: return hierarchical_collective(c);
    case A::nvls: return nvls_collective(c);
    case A::automatic: break;
  }
  throw std::logic_error("unresolved collective algorithm");
}

}  // namespace

std::string algorithms_for(CollectiveKind kind) {
  std::string s;
  for (A a : {A::ring, A::ring_bidirectional, A::hierarchical_ring, A::halving_doubling, A::halving_doubling_serial,
              A::direct, A::double_binary_tree, A::binomial_tree, A::hierarchical, A::nvls})
    if (implements(a, kind)) s += (s.empty() ? "" : ", ") + std::string(to_string(a));
  return "auto, " + s;
}

CollectiveAlgorithm resolve_algorithm(CommContext& ctx, const Op& op, const Group& g) {
  if (op.algorithm != A::automatic) return op.algorithm;
  const K k = op.collective;
  if (k == K::multicast || k == K::m2ms) return A::direct;
  if (k == K::broadcast || k == K::reduce) return A::ring;
  const bool reducing_or_gathering = k == K::all_reduce || k == K::reduce_scatter || k == K::all_gather;
  if (ctx.options().nccl.enabled && reducing_or_gathering) {
    // What NCCL picks: all-reduce by its cost model (ring or NVLS); reduce-scatter and
    // all-gather run rings (one per rail across nodes).
    if (k == K::all_reduce) return nccl_choose_all_reduce(ctx.options().nccl, ctx.nccl_facts(g), op.bytes).algorithm;
    return A::ring;
  }
  if (reducing_or_gathering && spans_nodes_evenly(ctx, g)) return A::hierarchical;
  const A preferred = ctx.options().platform_default;
  if (preferred != A::automatic && implements(preferred, k)) {
    if ((preferred == A::halving_doubling || preferred == A::halving_doubling_serial) &&
        (k == K::all_to_all || is_power_of_two(g.size())))
      return preferred;
    if (preferred == A::hierarchical_ring && g.shape.size() > 1) return preferred;
    if (preferred != A::halving_doubling && preferred != A::halving_doubling_serial && preferred != A::hierarchical_ring &&
        preferred != A::hierarchical)
      return preferred;
  }
  return k == K::all_to_all ? A::direct : A::ring;
}

std::string collective_problem(CommContext& ctx, const Op& op, const Group* group, const Group* targets,
                               CollectiveAlgorithm a) {
  const K k = op.collective;
  if (!group || group->size() == 0) return "empty group";
  const Group& g = *group;
  if (std::set<int>(g.ranks.begin(), g.ranks.end()).size() != g.ranks.size()) return "a rank appears twice in the group";
  for (int r : g.ranks)
    if (r < 0 || r >= ctx.ranks()) return fmt::format("rank {} is not mapped to a host", r);
  if (!implements(a, k))
    return fmt::format("algorithm '{}' does not implement {} (valid: {})", to_string(a), to_string(k), algorithms_for(k));
  if (k == K::multicast || k == K::m2ms) {
    if (!targets || targets->size() == 0) return fmt::format("{} needs a target group", to_string(k));
    if (k == K::multicast && targets->size() != g.size())
      return fmt::format("multicast pairs source i with target i: {} sources but {} targets", g.size(), targets->size());
    if (k == K::multicast && a != A::direct) return "multicast is direct only";
    if (k == K::m2ms && a != A::direct && a != A::ring) return "m2ms runs direct (all at once) or ring (rotated rounds)";
  }
  if ((a == A::halving_doubling || a == A::halving_doubling_serial) && k != K::all_to_all && !is_power_of_two(g.size()))
    return fmt::format("{} needs a power-of-two group (got {} members); use ring, direct or double-binary-tree",
                       to_string(a), g.size());
  if (a == A::hierarchical && g.size() > 1 && ctx.members_by_node(g).empty())
    return "hierarchical needs the same number of members on every node";
  if (a == A::nvls && !ctx.options().nccl.nvls)
    return "nvls needs an NVSwitch that reduces in the switch: the platform's root zone declares <prop id=\"nvls\" "
           "value=\"true\"/> (nvswitch generator on h100, h200, h20)";
  if (a == A::nvls && ctx.nccl_facts(g).nodes > 1) return "nvls runs inside one NVSwitch node";
  if (!g.shape.empty()) {
    long product = 1;
    for (int d : g.shape) product *= d;
    if (product != g.size()) return fmt::format("group shape does not match its {} members", g.size());
  }
  return {};
}

NcclRun nccl_run(CommContext& ctx, const Op& op, const Group& group, CollectiveAlgorithm a) {
  const NcclModel& m = ctx.options().nccl;
  if (!m.enabled || (a != A::ring && a != A::nvls) || group.size() <= 1) return {};
  const K k = op.collective;
  if (k != K::all_reduce && k != K::reduce_scatter && k != K::all_gather && k != K::broadcast && k != K::reduce) return {};
  const NcclGroupFacts& f = ctx.nccl_facts(group);
  const NcclChoice choice = nccl_choose_protocol(m, k, a, f, op.bytes);
  NcclRun r;
  r.applies = true;
  r.protocol = choice.protocol;
  r.estimate_s = choice.estimate_s;
  r.wire_factor = a == A::nvls ? 1.0 : 1.0 / nccl_protocol_bandwidth_factor(choice.protocol, k, f.nodes, f.ranks / std::max(1, f.nodes));
  r.added_latency_s = nccl_added_latency_s(m, k, a, choice.protocol, f, f.intra_latency_s, f.inter_latency_s);
  return r;
}

Task<> run_collective(CommContext& ctx, RankLoop& loop, const Program& program, const Op& op) {
  const Group& group = program.group(op);
  const CollectiveAlgorithm* known = ctx.resolved(group, op);
  A a = known ? *known : resolve_algorithm(ctx, op, group);
  if (!known) ctx.remember_resolved(group, op, a);
  CollectiveCall c{{ctx, loop, program.rank, op.effective_channel()}, op, group, program.targets(op), op.bytes};
  XBT_VERB("rank %d: %s %s over %zu ranks, %.17g bytes, channel %d", program.rank, to_string(op.collective),
            to_string(a), group.size(), op.bytes, op.effective_channel());
  switch (op.collective) {
    case K::multicast: return multicast_collective(c);
    case K::m2ms: return m2ms_collective(c, a == A::ring);
    default: break;
  }
  if (group.size() <= 1) return nothing();
  const NcclRun nccl = nccl_run(ctx, op, group, a);
  if (!nccl.applies) return run_algorithm(c, a);
  c.wire_factor = nccl.wire_factor;
  return after(loop, nccl.added_latency_s, run_algorithm(c, a));
}

}  // namespace chimera
