#include "collectives/multicast.hpp"

namespace chimera {

Task<> multicast_collective(CollectiveCall c) {
  const Group& src = c.group;
  const Group& dst = *c.targets;
  Sends sends;
  Receives recvs;
  if (int i = src.index_of(c.rank); i >= 0 && dst.ranks[i] != c.rank) sends.push_back({dst.ranks[i], c.bytes});
  if (int j = dst.index_of(c.rank); j >= 0 && src.ranks[j] != c.rank) recvs.push_back(src.ranks[j]);
  co_await exchange(c, std::move(sends), std::move(recvs));
}

Task<> m2ms_collective(CollectiveCall c, bool in_rounds) {
  const Group& src = c.group;
  const Group& dst = *c.targets;
  const int S = src.size(), T = dst.size();
  const double piece = c.bytes / (double(S) * T);
  const int s = src.index_of(c.rank), t = dst.index_of(c.rank);
  // Round j: source s -> target (s + j) mod T (rotated) or target j (not). A rank that is both
  // a source and the target of a piece keeps it locally.
  const bool rotated = c.op.rotated;
  auto target_of = [&](int source, int j) { return rotated ? (source + j) % T : j; };
  auto round = [&](int j, Sends& sends, Receives& recvs) {
    if (s >= 0) {
      int to = dst.ranks[target_of(s, j)];
      if (to != c.rank) sends.push_back({to, piece});
    }
    if (t >= 0)
      for (int from = 0; from < S; ++from)
        if (target_of(from, j) == t && src.ranks[from] != c.rank) recvs.push_back(src.ranks[from]);
  };
  if (!in_rounds) {
    Sends sends;
    Receives recvs;
    for (int j = 0; j < T; ++j) round(j, sends, recvs);
    co_await exchange(c, std::move(sends), std::move(recvs));
    co_return;
  }
  for (int j = 0; j < T; ++j) {
    Sends sends;
    Receives recvs;
    round(j, sends, recvs);
    co_await exchange(c, std::move(sends), std::move(recvs));
  }
}

}  // namespace chimera
