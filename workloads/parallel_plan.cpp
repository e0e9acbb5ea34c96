#include "workloads/parallel_plan.hpp"

namespace chimera {

RankCoordinates coordinates_of(const ParallelPlan& plan, int rank) {
  RankCoordinates c{};
  c.tp_index = rank % plan.tp;
  c.cp_index = (rank / plan.tp) % plan.sp;
  c.dp_index = (rank / (plan.tp * plan.sp)) % plan.dp;
  c.pp_index = rank / (plan.tp * plan.sp * plan.dp);
  return c;
}

int rank_of(const ParallelPlan& plan, RankCoordinates c) {
  return c.tp_index + plan.tp * (c.cp_index + plan.sp * (c.dp_index + plan.dp * c.pp_index));
}

std::vector<int> tensor_parallel_group(const ParallelPlan& plan, int rank) {
  RankCoordinates c = coordinates_of(plan, rank);
  std::vector<int> g;
  for (int t = 0; t < plan.tp; ++t) g.push_back(rank_of(plan, {t, c.dp_index, c.pp_index, c.cp_index}));
  return g;
}

std::vector<int> data_parallel_group(const ParallelPlan& plan, int rank) {
  RankCoordinates c = coordinates_of(plan, rank);
  std::vector<int> g;
  for (int d = 0; d < plan.dp; ++d) g.push_back(rank_of(plan, {c.tp_index, d, c.pp_index, c.cp_index}));
  return g;
}

}  // namespace chimera
