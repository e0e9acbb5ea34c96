#include "collectives/double_binary_tree.hpp"

#include <simgrid/s4u/Actor.hpp>
#include <simgrid/s4u/Comm.hpp>
#include <simgrid/s4u/Semaphore.hpp>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace chimera {
namespace {

namespace s4u = simgrid::s4u;

struct TreeRole {
  int parent = -1;  // rank, -1 at the root
  std::vector<int> children;
};

// Heap-ordered tree over positions, optionally mirrored.
TreeRole role_in_tree(const Group& g, int position, bool mirrored) {
  const int n = g.size();
  auto pos = [&](int q) { return mirrored ? n - 1 - q : q; };  // tree slot q -> group position
  const int q = mirrored ? n - 1 - position : position;
  TreeRole r;
  if (q > 0) r.parent = g.ranks[pos((q - 1) / 2)];
  for (int child : {2 * q + 1, 2 * q + 2})
    if (child < n) r.children.push_back(g.ranks[pos(child)]);
  return r;
}

int payload_marker;

s4u::CommPtr post_send(CommContext& ctx, int from, int to, int channel, double bytes) {
  ctx.count_message(from, bytes);
  return ctx.mailbox(from, to, channel)->put_async(&payload_marker, static_cast<std::uint64_t>(std::llround(bytes)));
}

void receive_all(CommContext& ctx, const std::vector<int>& from, int to, int channel) {
  std::vector<s4u::CommPtr> comms;
  std::vector<int*> sinks(from.size());
  for (std::size_t i = 0; i < from.size(); ++i) comms.push_back(ctx.mailbox(from[i], to, channel)->get_async<int>(&sinks[i]));
  s4u::Comm::wait_all(comms);
}

// Up: receive chunk k from the children, reduce, pass it to the parent (or, at the root,
// hand it to the down direction).
void tree_up(CommContext* ctx, int rank, int channel, TreeRole role, int chunks, double piece, s4u::SemaphorePtr reduced) {
  std::vector<s4u::CommPtr> sends;
  for (int k = 0; k < chunks; ++k) {
    if (!role.children.empty()) {
      receive_all(*ctx, role.children, rank, channel);
      local_reduce(*ctx, rank, piece * double(role.children.size()));
    }
    if (role.parent >= 0) sends.push_back(post_send(*ctx, rank, role.parent, channel, piece));
    else reduced->release();
  }
  s4u::Comm::wait_all(sends);
}

// Down: take chunk k from the parent (or the root's own reduction) and pass it to the children.
void tree_down(CommContext* ctx, int rank, int channel, TreeRole role, int chunks, double piece, s4u::SemaphorePtr reduced) {
  std::vector<s4u::CommPtr> sends;
  for (int k = 0; k < chunks; ++k) {
    if (role.parent >= 0) receive_all(*ctx, {role.parent}, rank, channel);
    else reduced->acquire();
    for (int child : role.children) sends.push_back(post_send(*ctx, rank, child, channel, piece));
  }
  s4u::Comm::wait_all(sends);
}

}  // namespace

int tree_chunks(const CollectiveOptions& o, double bytes) {
  if (o.granularity == Granularity::aggregated) return 1;
  if (o.tree_chunks > 0) return o.tree_chunks;
  return std::clamp(static_cast<int>(std::ceil(bytes / 2 / (512.0 * 1024))), 1, 64);
}

void double_binary_tree_collective(CollectiveCall& c) {
  if (c.op.collective != CollectiveKind::all_reduce) throw std::logic_error("double binary tree: all-reduce only");
  const int n = c.group.size();
  if (n <= 1) return;
  const int p = c.group.index_of(c.rank);
  const int chunks = tree_chunks(c.ctx.options(), c.bytes);
  const double piece = c.bytes / 2 / chunks;
  std::vector<s4u::ActorPtr> workers;
  for (bool mirrored : {false, true}) {
    TreeRole role = role_in_tree(c.group, p, mirrored);
    // The two trees use separate channels so their messages never match each other's.
    const int channel = mirrored ? (c.channel ^ 0x4000) : c.channel;
    auto reduced = s4u::Semaphore::create(0);
    s4u::Host* host = c.ctx.host(c.rank);
    workers.push_back(s4u::Actor::create("dbt-up", host, tree_up, &c.ctx, c.rank, channel, role, chunks, piece, reduced));
    workers.push_back(s4u::Actor::create("dbt-down", host, tree_down, &c.ctx, c.rank, channel, role, chunks, piece, reduced));
  }
  for (auto& w : workers) w->join();
}

}  // namespace chimera
