#include "planner/metis_options.hpp"

namespace chimera::metis {
namespace {

bool Quirks::*const kQuirkFlags[] = {
    &Quirks::mislabelled_sequences, &Quirks::inter_bw_is_intra,     &Quirks::memory_type_of_sequence,
    &Quirks::homogeneous_memory_once, &Quirks::memory_shares_cluster, &Quirks::chunk_type_first_gpu,
    &Quirks::balancer_loses_layers, &Quirks::count_skips_last_call,  &Quirks::optimizer_doubled,
    &Quirks::hostfile_one_digit,    &Quirks::p2p_elements_once,
};
constexpr int kNumQuirks = sizeof(kQuirkFlags) / sizeof(kQuirkFlags[0]);

}  // namespace

Quirks Quirks::none() {
  Quirks q;
  for (auto flag : kQuirkFlags) q.*flag = false;
  return q;
}

bool Quirks::enable(int number) {
  if (number < 1 || number > kNumQuirks) return false;
  this->*kQuirkFlags[number - 1] = true;
  return true;
}

std::vector<int> Quirks::enabled() const {
  std::vector<int> out;
  for (int i = 0; i < kNumQuirks; ++i)
    if (this->*kQuirkFlags[i]) out.push_back(i + 1);
  return out;
}

const char* to_string(Strategy s) { return s == Strategy::metis ? "metis" : "headroom"; }

}  // namespace chimera::metis
