#include "workloads/program.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <string_view>

#include "common/units.hpp"

namespace chimera {

const char* to_string(OpKind k) {
  switch (k) {
    case OpKind::compute: return "compute";
    case OpKind::collective: return "collective";
    case OpKind::send: return "send";
    case OpKind::recv: return "recv";
  }
  return "?";
}

namespace {
struct KindName { CollectiveKind kind; const char* name; };
constexpr KindName kKindNames[] = {
    {CollectiveKind::all_reduce, "allreduce"},   {CollectiveKind::reduce_scatter, "reducescatter"},
    {CollectiveKind::all_gather, "allgather"},   {CollectiveKind::all_to_all, "alltoall"},
    {CollectiveKind::broadcast, "broadcast"},    {CollectiveKind::reduce, "reduce"},
    {CollectiveKind::multicast, "multicast"},    {CollectiveKind::m2ms, "m2ms"}};
struct AlgoName { CollectiveAlgorithm algo; const char* name; };
constexpr AlgoName kAlgoNames[] = {
    {CollectiveAlgorithm::automatic, "auto"},
    {CollectiveAlgorithm::ring, "ring"},
    {CollectiveAlgorithm::ring_bidirectional, "ring-bidir"},
    {CollectiveAlgorithm::hierarchical_ring, "hierarchical-ring"},
    {CollectiveAlgorithm::halving_doubling, "halving-doubling"},
    {CollectiveAlgorithm::halving_doubling_serial, "halving-doubling-serial"},
    {CollectiveAlgorithm::direct, "direct"},
    {CollectiveAlgorithm::double_binary_tree, "double-binary-tree"},
    {CollectiveAlgorithm::binomial_tree, "binomial-tree"},
    {CollectiveAlgorithm::hierarchical, "hierarchical"},
    {CollectiveAlgorithm::nvls, "nvls"}};
}  // namespace

const char* const kCollectiveKindChoices =
    "allreduce, reducescatter, allgather, alltoall, broadcast, reduce, multicast, m2ms";
const char* const kCollectiveAlgorithmChoices =
    "auto, ring, ring-bidir, hierarchical-ring, halving-doubling, halving-doubling-serial, direct, "
    "double-binary-tree, binomial-tree, hierarchical, nvls";

const char* to_string(CollectiveKind k) {
  for (const auto& e : kKindNames)
    if (e.kind == k) return e.name;
  return "?";
}

const char* to_string(CollectiveAlgorithm a) {
  for (const auto& e : kAlgoNames)
    if (e.algo == a) return e.name;
  return "?";
}

bool parse_collective_kind(const std::string& s, CollectiveKind& out) {
  for (const auto& e : kKindNames)
    if (s == e.name) return out = e.kind, true;
  return false;
}

bool parse_collective_algorithm(const std::string& s, CollectiveAlgorithm& out) {
  for (const auto& e : kAlgoNames)
    if (s == e.name) return out = e.algo, true;
  return false;
}

int Group::index_of(int rank) const {
  auto it = std::find(ranks.begin(), ranks.end(), rank);
  return it == ranks.end() ? -1 : static_cast<int>(it - ranks.begin());
}

GroupPtr make_group(std::vector<int> ranks, std::vector<int> shape) {
  auto g = std::make_shared<Group>();
  g->ranks = std::move(ranks);
  g->shape = std::move(shape);
  return g;
}

double Kernel::flops() const {
  const double mnkb = static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k) * static_cast<double>(batch);
  switch (kind) {
    case Kind::gemm: return 2.0 * mnkb;
    case Kind::attention: return (backward ? 10.0 : 4.0) * mnkb * (causal ? 0.5 : 1.0);
    case Kind::elementwise: return 0.0;
  }
  return 0.0;
}

OpIndex Program::add(Op op) {
  body->ops.push_back(std::move(op));
  return static_cast<OpIndex>(body->ops.size() - 1);
}

Slot Program::bind(GroupPtr group) {
  for (std::size_t i = 0; i < groups.size(); ++i)
    if (groups[i] == group) return static_cast<Slot>(i);
  groups.push_back(std::move(group));
  return static_cast<Slot>(groups.size() - 1);
}

Slot Program::bind_peer(int rank) {
  for (std::size_t i = 0; i < peers.size(); ++i)
    if (peers[i] == rank) return static_cast<Slot>(i);
  peers.push_back(rank);
  return static_cast<Slot>(peers.size() - 1);
}

std::uint16_t Program::add_stream(std::string name) {
  body->stream_names.push_back(std::move(name));
  return static_cast<std::uint16_t>(body->stream_names.size() - 1);
}

std::size_t Program::count(OpKind k) const {
  const auto& o = ops();
  return static_cast<std::size_t>(std::count_if(o.begin(), o.end(), [&](const Op& x) { return x.kind == k; }));
}

std::size_t Program::count(CollectiveKind k) const {
  const auto& o = ops();
  return static_cast<std::size_t>(
      std::count_if(o.begin(), o.end(), [&](const Op& x) { return x.kind == OpKind::collective && x.collective == k; }));
}

const char* intern(const std::string& label) {
  static std::set<std::string, std::less<>> pool;
  return pool.insert(label).first->c_str();
}

Op compute_op(const char* name, int layer, int micro_batch, double seconds, std::vector<OpIndex> deps) {
  Op op;
  op.kind = OpKind::compute;
  op.stream = kComputeStream;
  op.name = name;
  op.layer = layer, op.micro_batch = micro_batch;
  op.duration_s = seconds;
  op.deps = std::move(deps);
  return op;
}

Op collective_op(const char* name, CollectiveKind kind, Slot group, double bytes, std::uint16_t stream, int layer,
                 int micro_batch, std::vector<OpIndex> deps) {
  Op op;
  op.kind = OpKind::collective;
  op.stream = stream;
  op.name = name;
  op.layer = layer, op.micro_batch = micro_batch;
  op.collective = kind;
  op.group = group;
  op.bytes = bytes;
  op.deps = std::move(deps);
  return op;
}

std::string describe_group(const Group& g) {
  // Compress runs: [0-3,8,10-11]
  std::string out = "[";
  for (std::size_t i = 0; i < g.ranks.size();) {
    std::size_t j = i;
    while (j + 1 < g.ranks.size() && g.ranks[j + 1] == g.ranks[j] + 1) ++j;
    if (i) out += ",";
    out += j > i + 1 ? fmt::format("{}-{}", g.ranks[i], g.ranks[j])
                     : (j == i + 1 ? fmt::format("{},{}", g.ranks[i], g.ranks[j]) : fmt::format("{}", g.ranks[i]));
    i = j + 1;
  }
  return out + "]";
}

std::string describe(const Program& p, const Op& op) {
  std::string where;
  if (op.layer >= 0) where += fmt::format("L{} ", op.layer);
  std::string mb = op.micro_batch >= 0 ? fmt::format(" mb{}", op.micro_batch) : "";
  switch (op.kind) {
    case OpKind::compute: return fmt::format("{}{}{}", where, op.name, mb);
    case OpKind::collective: {
      std::string groups = op.group != kNoSlot ? describe_group(p.group(op)) : "[]";
      if (const Group* t = p.targets(op)) groups += "->" + describe_group(*t);
      return fmt::format("{}{}{} {} {}", where, op.name, mb, format_bytes(op.bytes), groups);
    }
    case OpKind::send: return fmt::format("{}{}{} {} ->{}", where, op.name, mb, format_bytes(op.bytes), p.peer(op));
    case OpKind::recv: return fmt::format("{}{}{} {} <-{}", where, op.name, mb, format_bytes(op.bytes), p.peer(op));
  }
  return op.name;
}

std::string format_program(const Program& p) {
  const auto& ops = p.ops();
  const auto& stream_names = p.stream_names();
  std::string out = fmt::format("program of rank {}: {} ops\n", p.rank, ops.size());
  out += fmt::format("{:>5}  {:<8} {:<10} {:<40} {:>12}  {}\n", "op", "stream", "kind", "what", "duration", "waits for");
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const Op& op = ops[i];
    std::string deps;
    for (OpIndex d : op.deps) deps += (deps.empty() ? "" : ",") + std::to_string(d);
    std::string stream = op.stream < stream_names.size() ? stream_names[op.stream] : std::to_string(op.stream);
    std::string kind = op.kind == OpKind::collective ? to_string(op.collective) : to_string(op.kind);
    std::string dur = op.kind == OpKind::compute ? format_duration(op.duration_s) : "";
    out += fmt::format("{:>5}  {:<8} {:<10} {:<40} {:>12}  {}\n", i, stream, kind, describe(p, op), dur, deps);
    if (op.kind == OpKind::compute && op.kernels) {
      for (const Kernel& k : *op.kernels) {
        if (k.kind == Kernel::Kind::gemm)
          out += fmt::format("{:>26}gemm {:<16} batch {} m {} n {} k {}  {}\n", "", k.name, k.batch, k.m, k.n, k.k,
                             format_duration(k.seconds));
        else if (k.kind == Kernel::Kind::attention)
          out += fmt::format("{:>26}attention {:<11} heads {} queries {} keys {} dim {}{}{}  {}\n", "", k.name, k.batch,
                             k.m, k.n, k.k, k.causal ? " causal" : "", k.backward ? " backward" : "",
                             format_duration(k.seconds));
        else
          out += fmt::format("{:>26}elementwise {:<10} {}  {}\n", "", k.name, format_bytes(k.bytes),
                             format_duration(k.seconds));
      }
    }
  }
  return out;
}

nlohmann::json program_to_json(const Program& p) {
  const auto& stream_names = p.stream_names();
  nlohmann::json ops = nlohmann::json::array();
  for (std::size_t i = 0; i < p.ops().size(); ++i) {
    const Op& op = p.ops()[i];
    nlohmann::json j;
    j["index"] = i;
    j["stream"] = op.stream < stream_names.size() ? stream_names[op.stream] : std::to_string(op.stream);
    j["kind"] = to_string(op.kind);
    j["name"] = op.name;
    if (op.layer >= 0) j["layer"] = op.layer;
    if (op.micro_batch >= 0) j["micro_batch"] = op.micro_batch;
    j["deps"] = op.deps;
    switch (op.kind) {
      case OpKind::compute: {
        j["duration_s"] = op.duration_s;
        nlohmann::json ks = nlohmann::json::array();
        if (op.kernels)
          for (const Kernel& k : *op.kernels) {
            nlohmann::json kj{{"name", k.name}, {"seconds", k.seconds}};
            if (k.kind == Kernel::Kind::gemm) {
              kj["type"] = "gemm";
              kj["m"] = k.m, kj["n"] = k.n, kj["k"] = k.k, kj["batch"] = k.batch;
            } else if (k.kind == Kernel::Kind::attention) {
              kj["type"] = "attention";
              kj["heads"] = k.batch, kj["queries"] = k.m, kj["keys"] = k.n, kj["head_dim"] = k.k;
              kj["causal"] = k.causal, kj["backward"] = k.backward;
            } else {
              kj["type"] = "elementwise";
              kj["bytes"] = k.bytes;
            }
            ks.push_back(std::move(kj));
          }
        j["kernels"] = std::move(ks);
        break;
      }
      case OpKind::collective:
        j["collective"] = to_string(op.collective);
        j["algorithm"] = to_string(op.algorithm);
        j["bytes"] = op.bytes;
        j["group"] = op.group != kNoSlot ? p.group(op).ranks : std::vector<int>{};
        if (op.group != kNoSlot && !p.group(op).shape.empty()) j["group_shape"] = p.group(op).shape;
        if (const Group* t = p.targets(op)) j["targets"] = t->ranks;
        if (!op.rotated) j["rotated"] = false;
        break;
      case OpKind::send:
      case OpKind::recv:
        j["peer"] = p.peer(op);
        j["bytes"] = op.bytes;
        j["channel"] = op.effective_channel();
        break;
    }
    ops.push_back(std::move(j));
  }
  return {{"rank", p.rank}, {"streams", stream_names}, {"ops", std::move(ops)}};
}

std::string check_program(const Program& p) {
  const auto& ops = p.ops();
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const Op& op = ops[i];
    for (OpIndex d : op.deps)
      if (d >= i) return fmt::format("rank {} op {} waits for op {}, which does not come before it", p.rank, i, d);
    if (op.stream >= p.stream_names().size())
      return fmt::format("rank {} op {} is on stream {}, which has no name", p.rank, i, op.stream);
    if (op.kind == OpKind::collective) {
      if (op.group >= p.groups.size() || !p.groups[op.group] || p.group(op).size() == 0)
        return fmt::format("rank {} op {} has an empty or unbound group", p.rank, i);
      if (op.targets != kNoSlot && (op.targets >= p.groups.size() || !p.groups[op.targets]))
        return fmt::format("rank {} op {} has unbound targets", p.rank, i);
      const Group* t = p.targets(op);
      bool member = p.group(op).index_of(p.rank) >= 0 || (t && t->index_of(p.rank) >= 0);
      if (!member) return fmt::format("rank {} op {} is a collective of a group it is not in", p.rank, i);
    }
    if (op.kind == OpKind::send || op.kind == OpKind::recv) {
      if (op.peer >= p.peers.size()) return fmt::format("rank {} op {} has an unbound peer", p.rank, i);
      if (p.peer(op) < 0 || p.peer(op) == p.rank)
        return fmt::format("rank {} op {} has an invalid peer {}", p.rank, i, p.peer(op));
    }
  }
  return {};
}

}  // namespace chimera
