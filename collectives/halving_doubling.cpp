#include "collectives/halving_doubling.hpp"

#include <stdexcept>

namespace chimera {
namespace {

int log2_of(int n) {
  int k = 0;
  while ((1 << k) < n) ++k;
  return k;
}

void recursive_halving(CollectiveCall& c) {
  const int n = c.group.size(), p = c.group.index_of(c.rank), k = log2_of(n);
  for (int i = 0; i < k; ++i) {
    const int partner = c.group.ranks[p ^ (n >> (i + 1))];
    const double piece = c.bytes / double(1 << (i + 1));
    exchange(c.ctx, c.rank, c.channel, {{partner, piece}}, {partner});
    local_reduce(c.ctx, c.rank, piece);
  }
}

void serial_halving(CollectiveCall& c) {
  const int n = c.group.size(), p = c.group.index_of(c.rank), k = log2_of(n);
  for (int i = 0; i < k; ++i) {
    const int d = 1 << i;
    const int partner = c.group.ranks[p ^ d];
    const double piece = c.bytes * d / n;
    const bool lower = (p & d) == 0;
    if (lower) {
      exchange(c.ctx, c.rank, c.channel, {{partner, piece}}, {});
      exchange(c.ctx, c.rank, c.channel, {}, {partner});
      local_reduce(c.ctx, c.rank, piece);
    } else {
      exchange(c.ctx, c.rank, c.channel, {}, {partner});
      local_reduce(c.ctx, c.rank, piece);
      exchange(c.ctx, c.rank, c.channel, {{partner, piece}}, {});
    }
  }
}

void recursive_doubling(CollectiveCall& c) {
  const int n = c.group.size(), p = c.group.index_of(c.rank), k = log2_of(n);
  for (int i = 0; i < k; ++i) {
    const int partner = c.group.ranks[p ^ (1 << i)];
    exchange(c.ctx, c.rank, c.channel, {{partner, c.bytes * (1 << i) / n}}, {partner});
  }
}

void bruck_all_to_all(CollectiveCall& c) {
  const int n = c.group.size(), p = c.group.index_of(c.rank), k = log2_of(n);
  for (int i = 0; i < k; ++i) {
    const int d = (1 << i) % n;
    exchange(c.ctx, c.rank, c.channel, {{c.group.ranks[(p + d) % n], c.bytes / 2}}, {c.group.ranks[(p + n - d) % n]});
  }
}

}  // namespace

void halving_doubling_collective(CollectiveCall& c, bool serial) {
  switch (c.op.collective) {
    case CollectiveKind::reduce_scatter: return serial ? serial_halving(c) : recursive_halving(c);
    case CollectiveKind::all_gather: return recursive_doubling(c);
    case CollectiveKind::all_reduce:
      serial ? serial_halving(c) : recursive_halving(c);
      return recursive_doubling(c);
    case CollectiveKind::all_to_all: return bruck_all_to_all(c);
    default: throw std::logic_error("halving-doubling: unsupported collective");
  }
}

void binomial_tree_collective(CollectiveCall& c) {
  const int n = c.group.size(), p = c.group.index_of(c.rank), k = log2_of(n);
  const bool reduce = c.op.collective == CollectiveKind::reduce;
  // Broadcast round i: positions below 2^i send to p + 2^i. Reduce runs the rounds backwards.
  for (int step = 0; step < k; ++step) {
    const int i = reduce ? k - 1 - step : step;
    const int d = 1 << i;
    if (p < d && p + d < n) {
      if (reduce) {
        exchange(c.ctx, c.rank, c.channel, {}, {c.group.ranks[p + d]});
        local_reduce(c.ctx, c.rank, c.bytes);
      } else {
        exchange(c.ctx, c.rank, c.channel, {{c.group.ranks[p + d], c.bytes}}, {});
      }
    } else if (p >= d && p < 2 * d) {
      if (reduce) exchange(c.ctx, c.rank, c.channel, {{c.group.ranks[p - d], c.bytes}}, {});
      else exchange(c.ctx, c.rank, c.channel, {}, {c.group.ranks[p - d]});
    }
  }
}

}  // namespace chimera
