#include "planner/metis_plan.hpp"

#include "planner/metis_layout.hpp"

namespace chimera::metis {

std::vector<StagePlan> plan_stages(const PlanRecord& plan, const Cluster& cluster, int global_batch, bool uniform_slots) {
  Layout l = make_layout(cluster, plan.sequence, uniform_slots);
  std::vector<StagePlan> out;
  int first = 0;
  for (std::size_t s = 0; s < plan.device_groups.size(); ++s) {
    StagePlan st;
    st.first_rank = first;
    st.num_ranks = plan.device_groups[s];
    st.dp = plan.strategies[s].first;
    st.tp = plan.strategies[s].second;
    st.first_layer = plan.layer_partition[s];
    st.end_layer = plan.layer_partition[s + 1];
    st.micro_batch_size = global_batch / st.dp / plan.micro_batches;
    for (int r = first; r < first + st.num_ranks; ++r) {
      st.rank_hosts.push_back(l.node_host[l.rank_node[r]]);
      st.gpu_types.push_back(cluster.types[l.rank_type[r]]);
    }
    first += st.num_ranks;
    out.push_back(std::move(st));
  }
  return out;
}

}  // namespace chimera::metis
