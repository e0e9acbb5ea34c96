#include "planner/metis_balance.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace chimera::metis {

void split_batch(int batch, const double* seconds_at_bs1, int replicas, int* shares) {
  // Same operations as the reference: w = 1/t, normalised by their left-to-right sum.
  thread_local std::vector<double> w, frac;
  thread_local std::vector<int> order;
  w.resize(replicas);
  frac.resize(replicas);
  order.resize(replicas);
  double total = 0;
  for (int i = 0; i < replicas; ++i) total += (w[i] = 1 / seconds_at_bs1[i]);
  int assigned = 0;
  for (int i = 0; i < replicas; ++i) {
    double x = batch * (w[i] / total);
    double f = std::floor(x);
    shares[i] = static_cast<int>(f);
    frac[i] = x - f;
    assigned += shares[i];
    order[i] = i;
  }
  int remainder = batch - assigned;
  if (remainder <= 0) return;
  // Python's sorted(..., reverse=True) is stable: equal fractions keep replica order.
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return frac[a] > frac[b]; });
  for (int r = 0; r < remainder; ++r) ++shares[order[r % replicas]];
}

LayerBalancer::LayerBalancer(std::vector<double> layer_demand, bool lose_layers)
    : demand_(std::move(layer_demand)), lose_layers_(lose_layers) {
  n_ = static_cast<int>(demand_.size()) * kSubLayers;
  for (int j = 0; j < n_; ++j) sub_demand_.push_back(demand_[j / kSubLayers] / kSubLayers);
  owner_.resize(n_);
  layer_owner_.resize(demand_.size());
}

void LayerBalancer::fill(const double* c, int S) {
  const int H = kSubLayers;
  const auto& e = sub_demand_;
  cap_.assign(c, c + S);
  std::fill(owner_.begin(), owner_.end(), -1);
  stage_min_.assign(S, n_);
  stage_count_.assign(S, 0);
  auto assign = [&](int j, int s) {
    owner_[j] = s;
    cap_[s] -= e[j];
    stage_min_[s] = std::min(stage_min_[s], j);
    ++stage_count_[s];
  };
  // 1. Forward fill of stages 0..S-2; the sub-layer that does not fit is skipped.
  int k = 0;
  for (int s = 0; s + 1 < S; ++s) {
    for (int j = k; j <= n_ - H - 2; ++j) {
      k = j + 1;
      if (cap_[s] > e[j]) {
        assign(j, s);
      } else {
        break;
      }
    }
  }
  // 2. Backward fill of the last stage: 7 sub-layers unconditionally, then while contiguous and fitting.
  const int last = S - 1;
  for (int j = n_ - 1; j >= 0; --j) {
    if (owner_[j] != -1) continue;
    if (stage_count_[last] < H || (j + 1 == stage_min_[last] && cap_[last] > e[j])) assign(j, last);
  }
  // 3. Leftovers: between the stages around them, to the one with the most capacity left.
  // Stage ranges are ordered (checked below), so "the stage whose largest index is the
  // largest below j" owns the nearest assigned index below j, and likewise above.
  for (int j = 0; j < n_; ++j) {
    if (owner_[j] != -1) continue;
    int lower = 0, upper = S - 1;
    for (int i = j - 1; i >= 0; --i)
      if (owner_[i] >= 0) {
        lower = owner_[i];
        break;
      }
    for (int i = j + 1; i < n_; ++i)
      if (owner_[i] >= 0) {
        upper = owner_[i];
        break;
      }
    if (upper < lower) upper = lower;  // not reachable: stage ranges are ordered
    int pick = lower;
    for (int s = lower + 1; s <= upper; ++s)
      if (cap_[s] > cap_[pick]) pick = s;
    assign(j, pick);
  }
  for (int j = 1; j < n_; ++j)
    if (owner_[j] < owner_[j - 1]) throw std::logic_error("layer balancer: stage ranges out of order");
}

void LayerBalancer::round_to_layers(int S) {
  const int H = kSubLayers, L = static_cast<int>(demand_.size());
  for (int l = 0; l < L; ++l) {
    // Owners are non-decreasing, so each stage's sub-layers of l form one run.
    const int* o = &owner_[l * H];
    int keep = -1, best = 0;
    for (int a = 0; a < H;) {
      int b = a + 1;
      while (b < H && o[b] == o[a]) ++b;
      int c = b - a;
      // Reference: the stage holding >= 4 of 7; clean: the stage holding most (lower on ties).
      if (lose_layers_ ? c >= 4 : c > best) keep = o[a], best = c;
      a = b;
    }
    layer_owner_[l] = keep;
  }
  layer_count_.assign(S, 0);
  for (int s : layer_owner_)
    if (s >= 0) ++layer_count_[s];
}

void LayerBalancer::cover_all(int S) {
  // Layer owners are non-decreasing, so a stage is a range: fix counts, then rebuild owners.
  for (int s = 0; s < S; ++s) {
    if (layer_count_[s] > 0) continue;
    for (int dist = 1; dist < S; ++dist) {
      int donor = -1;
      if (s - dist >= 0 && layer_count_[s - dist] >= 2) donor = s - dist;
      else if (s + dist < S && layer_count_[s + dist] >= 2) donor = s + dist;
      if (donor < 0) continue;
      --layer_count_[donor];
      ++layer_count_[s];
      break;
    }
  }
  int l = 0;
  for (int s = 0; s < S; ++s)
    for (int k = 0; k < layer_count_[s]; ++k) layer_owner_[l++] = s;
}

int LayerBalancer::first_layer(int stage) const {
  for (std::size_t l = 0; l < layer_owner_.size(); ++l)
    if (layer_owner_[l] == stage) return static_cast<int>(l);
  return -1;
}

int LayerBalancer::last_layer(int stage) const {
  for (int l = static_cast<int>(layer_owner_.size()) - 1; l >= 0; --l)
    if (layer_owner_[l] == stage) return l;
  return -1;
}

void LayerBalancer::local_adjust(const double* c, int S) {
  // 4b. Capacity left = original share - demand of the stage's first..last layer.
  first_.assign(S, -1);
  last_.assign(S, -1);
  for (int l = 0; l < static_cast<int>(layer_owner_.size()); ++l) {
    int s = layer_owner_[l];
    if (s < 0) continue;
    if (first_[s] < 0) first_[s] = l;
    last_[s] = l;
  }
  for (int s = 0; s < S; ++s) {
    double used = 0;
    if (first_[s] >= 0)
      for (int l = first_[s]; l <= last_[s]; ++l) used += demand_[l];
    cap_[s] = c[s] - used;
  }
  // 5. Up to 3 moves of one boundary layer into the stage with the most capacity left.
  for (int iteration = 0; iteration < 3 && S > 1; ++iteration) {
    int top = static_cast<int>(std::max_element(cap_.begin(), cap_.begin() + S) - cap_.begin());
    double previous_max = cap_[top];
    int neighbour = top == 0 ? 1 : top - 1;
    if (top > 0 && top + 1 < S && cap_[top + 1] < cap_[top - 1]) neighbour = top + 1;
    if (layer_count_[neighbour] <= 1) break;
    int layer = neighbour < top ? last_layer(neighbour) : first_layer(neighbour);
    double new_top = cap_[top] - demand_[layer], new_neighbour = cap_[neighbour] + demand_[layer];
    double new_max = std::max(new_top, new_neighbour);
    for (int s = 0; s < S; ++s)
      if (s != top && s != neighbour) new_max = std::max(new_max, cap_[s]);
    if (new_max > previous_max) break;
    cap_[top] = new_top;
    cap_[neighbour] = new_neighbour;
    layer_owner_[layer] = top;
    --layer_count_[neighbour];
    ++layer_count_[top];
  }
}

void LayerBalancer::balance(const double* capacities, int S, int* partition) {
  fill(capacities, S);
  round_to_layers(S);
  if (!lose_layers_) cover_all(S);
  local_adjust(capacities, S);
  partition[0] = 0;
  for (int s = 0; s < S; ++s) partition[s + 1] = partition[s] + layer_count_[s];
}

}  // namespace chimera::metis
