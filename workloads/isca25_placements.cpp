// Stage placements of the ISCA'25 end-to-end experiments (reference §7). Host indices:
// y*k + x on a k x k mesh or torus, z*k*k + y*k + x on a k x k x k torus, switch*c + port on
// the DGX-2-like switch pair.
#include <stdexcept>

#include "workloads/isca25_e2e.hpp"

namespace chimera {
namespace {

// The ranks of a block of rows [y0, y0+h) x columns [x0, x0+w) on a k-wide grid, row-major.
std::vector<int> block(int k, int y0, int x0, int h, int w, int z = 0) {
  std::vector<int> r;
  for (int y = y0; y < y0 + h; ++y)
    for (int x = x0; x < x0 + w; ++x) r.push_back(z * k * k + y * k + x);
  return r;
}

E2EStage stage(std::vector<int> ranks, std::vector<int> shape = {}) {
  E2EStage s;
  s.ranks = std::move(ranks);
  s.shape = std::move(shape);
  return s;
}

// Splits an EP stage into sub-groups of consecutive group positions, or along y when `by_rows`.
void split(E2EStage& s, int groups, std::vector<int> sub_shape, bool along_columns = false) {
  const int n = static_cast<int>(s.ranks.size()), t = n / groups;
  s.subgroups.assign(groups, {});
  if (along_columns) {  // a {X, Y} group cut into its X columns
    const int X = s.shape[0], Y = s.shape[1];
    for (int x = 0; x < X; ++x)
      for (int y = 0; y < Y; ++y) s.subgroups[x].push_back(s.ranks[y * X + x]);
  } else {
    for (int i = 0; i < n; ++i) s.subgroups[i / t].push_back(s.ranks[i]);
  }
  s.subgroup_shape = std::move(sub_shape);
}

std::vector<E2EStage> gpt(const std::string& ic, bool scaling) {
  std::vector<E2EStage> out;
  if (!scaling) {
    if (ic == "a100") {  // stages 0-3: switch 0 ports (0,1)..(6,7); 4-7: switch 1 ports (6,7)..(0,1)
      for (int s = 0; s < 4; ++s) out.push_back(stage({2 * s, 2 * s + 1}));
      for (int j = 0; j < 4; ++j) out.push_back(stage({8 + 6 - 2 * j, 8 + 7 - 2 * j}));
    } else if (ic == "dojo") {  // serpentine down x = 0,1, up x = 2,3, then vertical pairs at x = 4
      for (int s = 0; s < 5; ++s) out.push_back(stage(block(5, s, 0, 1, 2), {2, 1}));
      for (int s = 5; s < 10; ++s) out.push_back(stage(block(5, 9 - s, 2, 1, 2), {2, 1}));
      out.push_back(stage(block(5, 0, 4, 2, 1), {1, 2}));
      out.push_back(stage(block(5, 2, 4, 2, 1), {1, 2}));
    } else if (ic == "tpuv3") {  // down x = 0,1 then up x = 2,3
      for (int s = 0; s < 4; ++s) out.push_back(stage(block(4, s, 0, 1, 2), {2, 1}));
      for (int s = 4; s < 8; ++s) out.push_back(stage(block(4, 7 - s, 2, 1, 2), {2, 1}));
    } else if (ic == "tpuv4") {  // pairs along x at (z, y) = (0,0), (0,1), (1,0), (1,1)
      for (int s = 0; s < 4; ++s) out.push_back(stage({2 * s, 2 * s + 1}, {2, 1}));
    }
    return out;
  }
  if (ic == "a100") {  // 8 ports per stage, switch 0 then switch 1
    for (int s = 0; s < 8; ++s) out.push_back(stage(block(8, s, 0, 1, 8)));
  } else if (ic == "dojo") {  // 2 x 4 blocks down x = 0-3, up x = 4-7 on the 8 x 8 mesh
    for (int s = 0; s < 4; ++s) out.push_back(stage(block(8, 2 * s, 0, 2, 4), {4, 2}));
    for (int s = 4; s < 8; ++s) out.push_back(stage(block(8, 2 * (7 - s), 4, 2, 4), {4, 2}));
  } else if (ic == "tpuv3") {  // a row of the 8 x 8 torus each
    for (int s = 0; s < 8; ++s) out.push_back(stage(block(8, s, 0, 1, 8), {8, 1}));
  } else if (ic == "tpuv4") {  // half z-planes of the 4 x 4 x 4 torus
    for (int s = 0; s < 8; ++s) out.push_back(stage(block(4, 2 * (s % 2), 0, 2, 4, s / 2), {4, 2}));
  }
  return out;
}

std::vector<E2EStage> moe(const std::string& ic, bool scaling) {
  std::vector<E2EStage> out;
  if (!scaling) {
    if (ic == "a100") {  // (0,0-3), (0,4-7), (1,0-3), (1,4-7); sub-groups = port pairs
      for (int s = 0; s < 4; ++s) out.push_back(stage({4 * s, 4 * s + 1, 4 * s + 2, 4 * s + 3}));
      for (auto& s : out) split(s, 2, {});
    } else if (ic == "dojo") {  // rows 0-4 at x = 0-3, then column x = 4, rows 1-4
      for (int s = 0; s < 5; ++s) out.push_back(stage(block(5, s, 0, 1, 4), {4, 1}));
      for (auto& s : out) split(s, 2, {2, 1});
      E2EStage last = stage(block(5, 1, 4, 4, 1), {1, 4});
      split(last, 2, {1, 2});  // our choice: the reference does not say how the column splits
      out.push_back(last);
    } else if (ic == "tpuv3") {  // columns x = 0-3, sub-groups split along y
      for (int s = 0; s < 4; ++s) out.push_back(stage(block(4, 0, s, 4, 1), {1, 4}));
      for (auto& s : out) split(s, 2, {1, 2});
    } else if (ic == "tpuv4") {  // z-planes, sub-groups split along x
      for (int z = 0; z < 2; ++z) out.push_back(stage(block(2, 0, 0, 2, 2, z), {2, 2}));
      for (auto& s : out) split(s, 2, {1, 2}, true);
    }
    return out;
  }
  // *_expand (a100, dojo, tpuv3) and tpuv4_scaling: N = 8 in two sub-groups of 4.
  if (ic == "a100") {
    for (int s = 0; s < 8; ++s) out.push_back(stage(block(8, s, 0, 1, 8)));
    for (auto& s : out) split(s, 2, {});
  } else if (ic == "dojo" || ic == "tpuv3") {  // a row each
    for (int s = 0; s < 8; ++s) out.push_back(stage(block(8, s, 0, 1, 8), {8, 1}));
    for (auto& s : out) split(s, 2, {4, 1});
  } else if (ic == "tpuv4") {  // half z-planes, sub-groups = the two rows
    for (int s = 0; s < 8; ++s) out.push_back(stage(block(4, 2 * (s % 2), 0, 2, 4, s / 2), {4, 2}));
    for (auto& s : out) split(s, 2, {4, 1});
  }
  return out;
}

}  // namespace

int e2e_hosts(const std::string& ic, bool scaling) {
  if (scaling) return 64;
  if (ic == "a100") return 16;
  if (ic == "dojo") return 25;
  if (ic == "tpuv3") return 16;
  if (ic == "tpuv4") return 8;
  return 0;
}

std::vector<E2EStage> e2e_stages(const std::string& interconnect, bool is_moe, bool scaling) {
  auto out = is_moe ? moe(interconnect, scaling) : gpt(interconnect, scaling);
  if (out.empty()) throw std::invalid_argument("unknown interconnect '" + interconnect + "'");
  return out;
}

}  // namespace chimera
