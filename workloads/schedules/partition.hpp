#pragma once
// Assigns a model's layers to pipeline stages, contiguously, so that the slowest stage is as
// fast as possible (the pipeline's throughput is set by it); among such partitions the one
// with the most even stage costs (least sum of squares) is chosen.
#include <vector>

namespace chimera {

struct StagePartition {
  std::vector<int> first_layer;  // [stage]
  std::vector<int> layers;       // [stage]
  int stages() const { return static_cast<int>(layers.size()); }
};

// `layer_cost[i]`: cost of layer i; `first_extra` / `last_extra` are added to the first /
// last stage (embedding, LM head). Requires 1 <= stages <= layer_cost.size(); every stage gets
// at least one layer. Throws std::invalid_argument otherwise.
StagePartition partition_layers(const std::vector<double>& layer_cost, int stages, double first_extra = 0,
                                double last_extra = 0);

// Cost of each stage under a partition (with the extras).
std::vector<double> stage_costs(const StagePartition& p, const std::vector<double>& layer_cost, double first_extra = 0,
                                double last_extra = 0);

}  // namespace chimera
