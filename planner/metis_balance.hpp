#pragma once
// The two load balancers of the Metis planner.
//  - split_batch: a data-parallel stage whose replicas run on different GPU types splits its
//    batch in proportion to speed (floor, then the remainder by largest fractional part).
//  - balance_layers: assigns layers to stages in proportion to stage compute capacity, at a
//    granularity of 7 sub-layers per layer, then rounds and locally adjusts (details and the
//    reference's layer-losing quirk in planner/README.md).
#include <vector>

namespace chimera::metis {

// `seconds_at_bs1[i]`: replica i's fwd+bwd time at batch 1; writes batch shares to `shares`.
void split_batch(int batch, const double* seconds_at_bs1, int replicas, int* shares);

struct LayerBalancer {
  // `layer_demand`: d_l, summing to ~1. `lose_layers`: reproduce the reference's rounding,
  // which can drop layers and leave stages empty; otherwise every layer is kept and every
  // stage gets at least one layer.
  LayerBalancer(std::vector<double> layer_demand, bool lose_layers);

  // capacities: S stage shares (normalised performance, possibly adjusted for memory).
  // Writes the S+1 prefix sums of per-stage layer counts to `partition`.
  void balance(const double* capacities, int num_stages, int* partition);

  static constexpr int kSubLayers = 7;

 private:
  void fill(const double* capacities, int S);
  void round_to_layers(int S);
  void cover_all(int S);
  void local_adjust(const double* capacities, int S);
  int first_layer(int stage) const;
  int last_layer(int stage) const;

  std::vector<double> demand_, sub_demand_;
  bool lose_layers_;
  int n_ = 0;  // sub-layers
  // scratch
  std::vector<double> cap_;
  std::vector<int> owner_, stage_min_, stage_count_, layer_owner_, layer_count_, first_, last_;
};

}  // namespace chimera::metis
