#include "workloads/isca25_streams.hpp"

#include <algorithm>

namespace chimera::isca25 {

GroupPtr RankProgram::group(const std::vector<int>& ranks, const std::vector<int>& shape) {
  std::vector<int> key = ranks;
  key.push_back(-1);
  key.insert(key.end(), shape.begin(), shape.end());
  auto it = groups_.find(key);
  if (it == groups_.end()) it = groups_.emplace(key, make_group(ranks, shape)).first;
  return it->second;
}

OpIndex RankProgram::compute(const char* name, int layer, int chunk, double seconds, std::vector<OpIndex> deps) {
  return p_.add(compute_op(intern(name), layer, chunk, seconds, std::move(deps)));
}

OpIndex RankProgram::collective(const char* name, CollectiveKind kind, const GroupPtr& g, double bytes, int layer,
                                int chunk, std::vector<OpIndex> deps, const GroupPtr& targets, std::uint16_t stream) {
  Op op = collective_op(intern(name), kind, p_.bind(g), bytes, stream, layer, chunk, std::move(deps));
  if (targets) op.targets = p_.bind(targets);
  return p_.add(std::move(op));
}

std::optional<OpIndex> emit_forward(RankProgram& b, const std::vector<Step>& steps) {
  std::optional<OpIndex> prev;
  for (const Step& s : steps) {
    std::vector<OpIndex> deps;
    if (prev) deps.push_back(*prev);
    prev = s.is_compute ? b.compute(s.name, s.layer, -1, s.cost.fwd, deps)
                        : b.collective(s.name, s.kind, s.group, s.bytes, s.layer, -1, deps, s.targets, s.stream);
  }
  return prev;
}

namespace {

CollectiveKind mirror(CollectiveKind k) {
  switch (k) {
    case CollectiveKind::all_gather: return CollectiveKind::reduce_scatter;
    case CollectiveKind::reduce_scatter: return CollectiveKind::all_gather;
    default: return k;  // all-reduce, all-to-all, sends (reversed below)
  }
}

const char* mirrored_name(const Step& s) {
  std::string n = s.name;
  return intern(n + ".bwd");
}

}  // namespace

void emit_mirrored_backward(RankProgram& b, const std::vector<Step>& steps, int chunks) {
  std::vector<std::optional<OpIndex>> prev(chunks);  // the data path of each chunk
  for (auto it = steps.rbegin(); it != steps.rend(); ++it) {
    const Step& s = *it;
    auto deps = [&](int c) { return prev[c] ? std::vector<OpIndex>{*prev[c]} : std::vector<OpIndex>{}; };
    if (s.is_compute) {
      std::vector<OpIndex> ig(chunks);
      const std::string base = s.name;
      for (int c = 0; c < chunks; ++c) ig[c] = b.compute(intern(base + ".bwd.ig"), s.layer, chunks > 1 ? c : -1, s.cost.ig, deps(c));
      // Weight gradients stay off the data path: the next collective needs only the input gradient.
      for (int c = 0; c < chunks; ++c) b.compute(intern(base + ".bwd.wg"), s.layer, chunks > 1 ? c : -1, s.cost.wg, {ig[c]});
      for (int c = 0; c < chunks; ++c) prev[c] = ig[c];
      continue;
    }
    const bool sends = s.kind == CollectiveKind::multicast || s.kind == CollectiveKind::m2ms;
    for (int c = 0; c < chunks; ++c)
      prev[c] = b.collective(mirrored_name(s), mirror(s.kind), sends ? s.targets : s.group, s.bytes / chunks, s.layer,
                             chunks > 1 ? c : -1, deps(c), sends ? s.group : nullptr, s.stream);
  }
}

}  // namespace chimera::isca25
