#include "collectives/halving_doubling.hpp"

#include <stdexcept>

namespace chimera {
namespace {

int log2_of(int n) {
  int k = 0;
  while ((1 << k) < n) ++k;
  return k;
}

Task<> recursive_halving(CollectiveCall c) {
  const int n = c.group.size(), p = c.group.index_of(c.rank), k = log2_of(n);
  for (int i = 0; i < k; ++i) {
    const int partner = c.group.ranks[p ^ (n >> (i + 1))];
    const double piece = c.bytes / double(1 << (i + 1));
    co_await exchange(c, send_to(partner, piece), receive_from(partner));
    co_await local_reduce(c, piece);
  }
}

Task<> serial_halving(CollectiveCall c) {
  const int n = c.group.size(), p = c.group.index_of(c.rank), k = log2_of(n);
  for (int i = 0; i < k; ++i) {
    const int d = 1 << i;
    const int partner = c.group.ranks[p ^ d];
    const double piece = c.bytes * d / n;
    const bool lower = (p & d) == 0;
    if (lower) {
      co_await exchange(c, send_to(partner, piece), Receives{});
      co_await exchange(c, Sends{}, receive_from(partner));
      co_await local_reduce(c, piece);
    } else {
      co_await exchange(c, Sends{}, receive_from(partner));
      co_await local_reduce(c, piece);
      co_await exchange(c, send_to(partner, piece), Receives{});
    }
  }
}

Task<> recursive_doubling(CollectiveCall c) {
  const int n = c.group.size(), p = c.group.index_of(c.rank), k = log2_of(n);
  for (int i = 0; i < k; ++i) {
    const int partner = c.group.ranks[p ^ (1 << i)];
    co_await exchange(c, send_to(partner, c.bytes * (1 << i) / n), receive_from(partner));
  }
}

Task<> bruck_all_to_all(CollectiveCall c) {
  const int n = c.group.size(), p = c.group.index_of(c.rank), k = log2_of(n);
  for (int i = 0; i < k; ++i) {
    const int d = (1 << i) % n;
    co_await exchange(c, send_to(c.group.ranks[(p + d) % n], c.bytes / 2), receive_from(c.group.ranks[(p + n - d) % n]));
  }
}

Task<> halving_then_doubling(CollectiveCall c, bool serial) {
  if (serial) co_await serial_halving(c);
  else co_await recursive_halving(c);
  co_await recursive_doubling(c);
}

}  // namespace

Task<> halving_doubling_collective(CollectiveCall c, bool serial) {
  switch (c.op.collective) {
    case CollectiveKind::reduce_scatter: return serial ? serial_halving(c) : recursive_halving(c);
    case CollectiveKind::all_gather: return recursive_doubling(c);
    case CollectiveKind::all_reduce: return halving_then_doubling(c, serial);
    case CollectiveKind::all_to_all: return bruck_all_to_all(c);
    default: throw std::logic_error("halving-doubling: unsupported collective");
  }
}

Task<> binomial_tree_collective(CollectiveCall c) {
  const int n = c.group.size(), p = c.group.index_of(c.rank), k = log2_of(n);
  const bool reduce = c.op.collective == CollectiveKind::reduce;
  // Broadcast round i: positions below 2^i send to p + 2^i. Reduce runs the rounds backwards.
  for (int step = 0; step < k; ++step) {
    const int i = reduce ? k - 1 - step : step;
    const int d = 1 << i;
    if (p < d && p + d < n) {
      if (reduce) {
        co_await exchange(c, Sends{}, receive_from(c.group.ranks[p + d]));
        co_await local_reduce(c, c.bytes);
      } else {
        co_await exchange(c, send_to(c.group.ranks[p + d], c.bytes), Receives{});
      }
    } else if (p >= d && p < 2 * d) {
      if (reduce) co_await exchange(c, send_to(c.group.ranks[p - d], c.bytes), Receives{});
      else co_await exchange(c, Sends{}, receive_from(c.group.ranks[p - d]));
    }
  }
}

}  // namespace chimera
