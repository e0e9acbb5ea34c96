#include "planner/metis_groups.hpp"

#include <algorithm>

namespace chimera::metis {
namespace {

void multisets_rec(const std::vector<int>& sizes, std::size_t from, int remaining_stages, int remaining_gpus,
                   std::vector<int>& prefix, std::vector<std::vector<int>>& out) {
  if (remaining_stages == 0) {
    if (remaining_gpus == 0) out.push_back(prefix);
    return;
  }
  for (std::size_t i = from; i < sizes.size(); ++i) {
    // Sizes are non-decreasing from here on: stop when even the smallest overfills, skip
    // while even the largest cannot fill the rest.
    if (static_cast<long long>(sizes[i]) * remaining_stages > remaining_gpus) break;
    if (static_cast<long long>(sizes.back()) * (remaining_stages - 1) + sizes[i] < remaining_gpus) continue;
    prefix.push_back(sizes[i]);
    multisets_rec(sizes, i, remaining_stages - 1, remaining_gpus - sizes[i], prefix, out);
    prefix.pop_back();
  }
}

}  // namespace

std::vector<int> allowed_stage_sizes(int num_gpus, int num_stages, int variance) {
  long long min_size = static_cast<long long>(std::max(num_gpus / num_stages, num_stages / num_gpus)) * variance;
  std::vector<int> out;
  for (long long p = 1; p <= num_gpus; p *= 2)
    if (p >= min_size) out.push_back(static_cast<int>(p));
  return out;
}

std::vector<std::vector<int>> size_multisets(int num_gpus, int num_stages, int variance) {
  std::vector<std::vector<int>> out;
  std::vector<int> sizes = allowed_stage_sizes(num_gpus, num_stages, variance), prefix;
  if (!sizes.empty()) multisets_rec(sizes, 0, num_stages, num_gpus, prefix, out);
  return out;
}

void for_each_multiset_permutation(std::vector<int> multiset, const std::function<void(const std::vector<int>&)>& visit) {
  // Linked list over node indices: node k holds ms[k] (ascending) and points to k-1, so the
  // list from the head reads non-increasing, exactly as multipermute's init() builds it.
  const int n = static_cast<int>(multiset.size());
  if (n == 0) return;
  std::sort(multiset.begin(), multiset.end());
  std::vector<int> next(n);
  for (int k = 0; k < n; ++k) next[k] = k - 1;
  auto nth = [&](int from, int steps) {
    int o = from;
    for (int i = 0; i < steps && next[o] >= 0; ++i) o = next[o];
    return o;
  };
  const auto& v = multiset;
  int h = n - 1, i = nth(h, n - 2), j = nth(h, n - 1);
  std::vector<int> order(n);
  auto emit = [&] {
    int o = h;
    for (int k = 0; k < n; ++k, o = next[o]) order[k] = v[o];
    visit(order);
  };
  emit();
  while (next[j] >= 0 || v[j] < v[h]) {
    int s = (next[j] >= 0 && v[i] >= v[next[j]]) ? j : i;
    int t = next[s];
    next[s] = next[t];
    next[t] = h;
    if (v[t] < v[h]) i = t;
    j = next[i];
    h = t;
    emit();
  }
}

long long for_each_device_group(int num_gpus, int num_stages, int variance,
                                const std::function<void(const std::vector<int>&)>& visit) {
  long long count = 0;
  for (auto& ms : size_multisets(num_gpus, num_stages, variance))
    for_each_multiset_permutation(ms, [&](const std::vector<int>& g) {
      ++count;
      visit(g);
    });
  return count;
}

std::vector<std::vector<int>> device_groups(int num_gpus, int num_stages, int variance) {
  std::vector<std::vector<int>> out;
  for_each_device_group(num_gpus, num_stages, variance, [&](const std::vector<int>& g) { out.push_back(g); });
  return out;
}

std::vector<int> micro_batch_counts(int global_batch) {
  std::vector<int> out;
  for (int m = global_batch; m >= 1; --m)
    if (global_batch % m == 0) out.push_back(m);
  return out;
}

}  // namespace chimera::metis
