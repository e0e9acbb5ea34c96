#include "workloads/fusion_pairs.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "common/strings.hpp"

namespace chimera {
namespace {

// Appends ops to the programs of the members, each waiting for the member's previous op.
class PairBuilder {
 public:
  explicit PairBuilder(CollectiveAlgorithm algo) : algo_(algo) {}

  void collective(const char* name, CollectiveKind kind, const GroupPtr& group, double bytes,
                  const GroupPtr& targets = nullptr, bool unrotated_rounds = false) {
    std::vector<int> members = group->ranks;
    if (targets)
      for (int r : targets->ranks)
        if (std::find(members.begin(), members.end(), r) == members.end()) members.push_back(r);
    for (int r : members) {
      Op op;
      op.kind = OpKind::collective;
      op.stream = kCollectiveStream;
      op.name = intern(name);
      op.collective = kind;
      op.algorithm = (kind == CollectiveKind::multicast || kind == CollectiveKind::m2ms) ? CollectiveAlgorithm::automatic : algo_;
      if (unrotated_rounds) op.algorithm = CollectiveAlgorithm::ring, op.rotated = false;
      op.bytes = bytes;
      add(r, std::move(op), group, targets);
    }
  }

  std::vector<Program> finish() {
    for (std::size_t r = 0; r < programs_.size(); ++r) programs_[r].rank = static_cast<int>(r);
    return std::move(programs_);
  }

 private:
  void add(int rank, Op op, const GroupPtr& group, const GroupPtr& targets) {
    if (rank >= static_cast<int>(programs_.size())) programs_.resize(rank + 1);
    Program& p = programs_[rank];
    op.group = p.bind(group);
    if (targets) op.targets = p.bind(targets);
    if (!p.ops().empty()) op.deps = {static_cast<OpIndex>(p.ops().size() - 1)};
    p.add(std::move(op));
  }
  CollectiveAlgorithm algo_;
  std::vector<Program> programs_;
};

GroupPtr group_of(const std::vector<int>& ranks, const std::vector<int>& shape = {}) { return make_group(ranks, shape); }

std::vector<GroupPtr> subgroup_ptrs(const PairPlacement& w) {
  std::vector<GroupPtr> out;
  for (const auto& g : w.subgroups) out.push_back(group_of(g, w.subgroup_shape));
  return out;
}

// Mesh/torus coordinates (y, x) or (z, y, x) to host index on a k-ary grid.
int node2(int k, int y, int x) { return y * k + x; }

PairPlacement grid_placement(const std::string& name, int k) {
  PairPlacement p;
  p.name = name;
  p.source = {node2(k, 0, 0), node2(k, 0, 1), node2(k, 1, 0), node2(k, 1, 1)};
  p.target = {node2(k, 0, 2), node2(k, 0, 3), node2(k, 1, 2), node2(k, 1, 3)};
  p.source_shape = p.target_shape = {2, 2};
  // data_parallelism_degree [2, 1]: two columns of two.
  p.subgroups = {{node2(k, 0, 0), node2(k, 1, 0)}, {node2(k, 0, 1), node2(k, 1, 1)}};
  p.subgroup_shape = {1, 2};
  return p;
}

}  // namespace

const char* to_string(FusionPair p) {
  switch (p) {
    case FusionPair::tp_pp: return "tp+pp";
    case FusionPair::tp_sp: return "tp+sp";
    case FusionPair::tp_ep: return "tp+ep";
    case FusionPair::pp_ep: return "pp+ep";
    case FusionPair::pp_sp: return "pp+sp";
    case FusionPair::sp_ep: return "sp+ep";
  }
  return "?";
}

bool parse_fusion_pair(const std::string& text, FusionPair& out) {
  const std::string t = to_lower(text);
  for (FusionPair p : {FusionPair::tp_pp, FusionPair::tp_sp, FusionPair::tp_ep, FusionPair::pp_ep, FusionPair::pp_sp,
                       FusionPair::sp_ep})
    if (t == to_string(p)) return out = p, true;
  if (t == "sp+pp") return out = FusionPair::pp_sp, true;  // the paper's figure label
  return false;
}

const char* to_string(FusionVariant v) { return v == FusionVariant::baseline ? "baseline" : "fused"; }

std::vector<std::string> synthetic_placement_names() {
  return {"mesh2d-5x5", "torus2d-4x4", "torus3d-2x2x2", "dgx2-2x8", "linear"};
}

PairPlacement synthetic_placement(const std::string& name) {
  if (name == "mesh2d-5x5") return grid_placement(name, 5);
  if (name == "torus2d-4x4") return grid_placement(name, 4);
  PairPlacement p;
  p.name = name;
  if (name == "torus3d-2x2x2") {  // source: the z = 0 plane, target: z = 1; columns along x
    p.source = {0, 1, 2, 3};
    p.target = {4, 5, 6, 7};
    p.source_shape = p.target_shape = {2, 2};
    p.subgroups = {{0, 2}, {1, 3}};
    p.subgroup_shape = {1, 2};
    return p;
  }
  if (name == "dgx2-2x8" || name == "linear") {  // ports 0-3 and 4-7 of switch 0; port pairs
    p.source = {0, 1, 2, 3};
    p.target = {4, 5, 6, 7};
    p.subgroups = {{0, 1}, {2, 3}};
    return p;
  }
  throw std::invalid_argument("unknown placement '" + name + "'");
}

std::vector<Program> lower_fusion_pair(FusionPair pair, FusionVariant variant, double M, const PairPlacement& w,
                                       const PairOptions& o) {
  PairBuilder b(o.algorithm);
  const bool fused = variant == FusionVariant::fused;
  GroupPtr S = group_of(w.source, w.source_shape);
  GroupPtr T = group_of(w.target, w.target_shape);
  const double N = static_cast<double>(w.source.size());
  const double G = static_cast<double>(w.subgroups.size());
  const double k = o.top_k;
  switch (pair) {
    case FusionPair::tp_pp:
      b.collective(fused ? "tp.reducescatter" : "tp.allreduce", fused ? CollectiveKind::reduce_scatter : CollectiveKind::all_reduce, S, M);
      b.collective("pp.m2ms", CollectiveKind::m2ms, S, M, T);
      b.collective("tp.allgather", CollectiveKind::all_gather, T, M);
      break;
    case FusionPair::tp_sp:
      b.collective(fused ? "tp.reducescatter" : "tp.allreduce", fused ? CollectiveKind::reduce_scatter : CollectiveKind::all_reduce, S, M);
      break;
    case FusionPair::tp_ep:
      for (const GroupPtr& g : subgroup_ptrs(w))
        b.collective(fused ? "tp.reducescatter" : "tp.allreduce", fused ? CollectiveKind::reduce_scatter : CollectiveKind::all_reduce, g, M);
      b.collective("ep.alltoall", CollectiveKind::all_to_all, S, M * k * G / (N * N));
      break;
    case FusionPair::pp_ep:
      if (fused) {
        b.collective("pp+ep.m2ms", CollectiveKind::m2ms, S, M * k * G, T);
      } else {
        b.collective("pp.p2p", CollectiveKind::multicast, S, M, T);
        b.collective("ep.alltoall", CollectiveKind::all_to_all, T, M * k * G / double(w.target.size()));
      }
      break;
    case FusionPair::pp_sp:
      if (fused) {
        const double total = o.ppsp_volume == PpSpVolume::sharded ? M : M * double(w.target.size());
        b.collective("pp+sp.m2ms", CollectiveKind::m2ms, S, total, T);
      } else {
        b.collective("sp.allgather", CollectiveKind::all_gather, T, M);
        b.collective("pp.p2p", CollectiveKind::multicast, S, M, T);
      }
      break;
    case FusionPair::sp_ep:
      if (!fused)
        for (const GroupPtr& g : subgroup_ptrs(w)) b.collective("sp.allgather", CollectiveKind::all_gather, g, M);
      b.collective("ep.alltoall", CollectiveKind::all_to_all, S, M * k * G / N);
      break;
  }
  return b.finish();
}

RealMachineCase realmachine_case(FusionPair pair) {
  const double GiB = 1024.0 * 1024 * 1024;
  switch (pair) {  // fp32 tensors of rows x 2048 (Real_Perf/*.py)
    case FusionPair::tp_sp: return {8 * GiB, "all 8 ranks"};
    case FusionPair::tp_pp: return {4 * GiB, "sources 0-3, targets 4-7"};
    case FusionPair::tp_ep: return {8 * GiB, "TP {0-3} {4-7}, EP all 8"};
    case FusionPair::pp_ep: return {4 * GiB, "sources 0-3, EP 4-7"};
    case FusionPair::pp_sp: return {1.75 * GiB, "SP [0,2,4,6] -> [1,3,5,7]"};
    case FusionPair::sp_ep: return {2 * GiB, "SP {0-3} {4-7}, EP all 8"};
  }
  return {0, ""};
}

std::vector<Program> lower_realmachine_pair(FusionPair pair, FusionVariant variant, const PairOptions& o) {
  PairBuilder b(o.algorithm);
  const bool fused = variant == FusionVariant::fused;
  const double M = realmachine_case(pair).tensor_bytes;
  GroupPtr all = group_of({0, 1, 2, 3, 4, 5, 6, 7});
  GroupPtr low = group_of({0, 1, 2, 3}), high = group_of({4, 5, 6, 7});
  auto rs_or_ar = [&](const GroupPtr& g) {
    b.collective(fused ? "tp.reducescatter" : "tp.allreduce", fused ? CollectiveKind::reduce_scatter : CollectiveKind::all_reduce, g, M);
  };
  switch (pair) {
    case FusionPair::tp_sp: rs_or_ar(all); break;
    case FusionPair::tp_pp:  // 16 transfers of M/16, then the targets gather M
      rs_or_ar(low);
      b.collective("pp.m2ms", CollectiveKind::m2ms, low, M, high);
      b.collective("tp.allgather", CollectiveKind::all_gather, high, M);
      break;
    case FusionPair::tp_ep:  // both TP groups at once, then an 8-rank all-to-all of an M/4 tensor
      rs_or_ar(low);
      rs_or_ar(high);
      b.collective("ep.alltoall", CollectiveKind::all_to_all, all, M / 4);
      break;
    case FusionPair::pp_ep:
      if (fused) {  // piece i (M/4) of every source to rank 4+i, by blocking sends that all address rank 4 first
        b.collective("pp+ep.m2ms", CollectiveKind::m2ms, low, 4 * M, high, /*unrotated_rounds=*/true);
      } else {
        b.collective("pp.p2p", CollectiveKind::multicast, low, M, high);
        b.collective("ep.alltoall", CollectiveKind::all_to_all, high, M);
      }
      break;
    case FusionPair::pp_sp: {  // X = M per rank; SP groups [0,2,4,6] and [1,3,5,7]
      GroupPtr even = group_of({0, 2, 4, 6}), odd = group_of({1, 3, 5, 7});
      if (fused) {
        const double total = o.ppsp_volume == PpSpVolume::sharded ? 4 * M : 16 * M;
        b.collective("pp+sp.m2ms", CollectiveKind::m2ms, even, total, odd);
      } else {
        b.collective("sp.allgather", CollectiveKind::all_gather, even, 4 * M);
        b.collective("sp.allgather", CollectiveKind::all_gather, odd, 4 * M);
        b.collective("pp.p2p", CollectiveKind::multicast, even, 4 * M, odd);
      }
      break;
    }
    case FusionPair::sp_ep:  // X = M per rank; a 4-byte all-reduce stands for the barrier
      if (!fused) {
        b.collective("sp.allgather", CollectiveKind::all_gather, low, 4 * M);
        b.collective("sp.allgather", CollectiveKind::all_gather, high, 4 * M);
      }
      b.collective("ep.dispatch", CollectiveKind::all_to_all, all, M);
      b.collective("barrier", CollectiveKind::all_reduce, all, 4);
      b.collective("ep.combine", CollectiveKind::all_to_all, all, M);
      if (!fused) {
        b.collective("sp.alltoall", CollectiveKind::all_to_all, low, M);
        b.collective("sp.alltoall", CollectiveKind::all_to_all, high, M);
      }
      break;
  }
  return b.finish();
}

}  // namespace chimera
