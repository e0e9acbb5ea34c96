#include "collectives/double_binary_tree.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "collectives/side_by_side.hpp"
#include "workloads/channels.hpp"

namespace chimera {
namespace {

struct TreeRole {
  int parent = -1;  // rank, -1 at the root
  Receives children;
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

// At a tree's root the up direction hands each reduced chunk to the down direction.
struct ReducedChunks {
  int available = 0;
  std::coroutine_handle<> waiting;
};

// Up: receive chunk k from the children, reduce, pass it to the parent (or, at the root,
// hand it to the down direction).
Task<> tree_up(CollectiveCall c, const TreeRole& role, int chunks, double piece, ReducedChunks& reduced) {
  Transfers sends;
  for (int k = 0; k < chunks; ++k) {
    if (!role.children.empty()) {
      Receives from_children = role.children;
      co_await exchange(c, Sends{}, std::move(from_children));
      co_await local_reduce(c, piece * double(role.children.size()));
    }
    if (role.parent >= 0) {
      co_await post(c, send_to(role.parent, piece), Receives{}, sends);
    } else {
      reduced.available++;
      if (reduced.waiting) c.loop.schedule(std::exchange(reduced.waiting, {}));
    }
  }
  co_await c.loop.wait_all(sends);
}

struct NextChunk {
  ReducedChunks& reduced;
  bool await_ready() const noexcept { return reduced.available > 0; }
  void await_suspend(std::coroutine_handle<> h) noexcept { reduced.waiting = h; }
  void await_resume() noexcept { reduced.available--; }
};

// Down: take chunk k from the parent (or the root's own reduction) and pass it to the children.
Task<> tree_down(CollectiveCall c, const TreeRole& role, int chunks, double piece, ReducedChunks& reduced) {
  Transfers sends;
  for (int k = 0; k < chunks; ++k) {
    if (role.parent >= 0) {
      co_await exchange(c, Sends{}, receive_from(role.parent));
    } else {
      co_await NextChunk{reduced};
    }
    Sends to_children;
    for (int child : role.children) to_children.push_back({child, piece});
    co_await post(c, std::move(to_children), Receives{}, sends);
  }
  co_await c.loop.wait_all(sends);
}

}  // namespace

int tree_chunks(const CollectiveOptions& o, double bytes) {
  if (o.granularity == Granularity::aggregated) return 1;
  if (o.tree_chunks > 0) return o.tree_chunks;
  return std::clamp(static_cast<int>(std::ceil(bytes / 2 / (512.0 * 1024))), 1, 64);
}

Task<> double_binary_tree_collective(CollectiveCall c) {
  if (c.op.collective != CollectiveKind::all_reduce) throw std::logic_error("double binary tree: all-reduce only");
  const int n = c.group.size();
  if (n <= 1) co_return;
  const int p = c.group.index_of(c.rank);
  const int chunks = tree_chunks(c.ctx.options(), c.bytes);
  const double piece = c.bytes / 2 / chunks;
  ReducedChunks reduced[2];
  const TreeRole roles[2] = {role_in_tree(c.group, p, false), role_in_tree(c.group, p, true)};
  std::vector<Task<>> directions;
  for (int t = 0; t < 2; ++t) {
    const bool mirrored = t == 1;
    const TreeRole& role = roles[t];
    // The two trees use separate channels so their messages never match each other's.
    CollectiveCall tree = mirrored ? c.on_channel(channels::second_lane(c.channel)) : c;
    directions.push_back(tree_up(tree, role, chunks, piece, reduced[t]));
    directions.push_back(tree_down(tree, role, chunks, piece, reduced[t]));
  }
  // The four directions run side by side; the collective ends when all have.
  co_await side_by_side(c.loop, std::move(directions));
}

}  // namespace chimera
