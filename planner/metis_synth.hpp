#pragma once
// The fork's deterministic synthetic-profile generator (gen_synth_data.py L MAXBS): nine A100
// GPT samples (tp, bs in {1,2,4}) stretched to L layers, doubled in batch and TP up to MAXBS,
// and copied as V100 at 3.5x the time. Same IEEE operations in the same order, so the numbers
// equal the reference's files, and profile_json() lays them out as Python's json.dump(indent=2).
#include <string>
#include <vector>

#include "planner/metis_profiles.hpp"

namespace chimera::metis {

struct SynthProfile {
  std::string type;
  int tp = 0, bs = 0;
  int num_layers = 0, num_mha_layers = 0;
  std::vector<long long> parameters_per_layer_bytes;
  long long total_parameters_bytes = 0;
  double total_time_ms = 0, forward_backward_time_ms = 0, batch_generator_time_ms = 0;
  double layernorm_all_reduce_ms = 0, embedding_all_reduce_ms = 0, optimizer_time_ms = 0;
  std::vector<double> layer_compute_total_ms;
  double between_forward_backward_time_ms = 0;
  std::vector<long long> layer_memory_total_mb;
  long long total_memory = 0;

  std::string file_name() const { return profile_name(type, tp, bs); }
};

// layers >= 2; max_batch a power of two >= 4. Returns 2 types x tp 1..max x bs 1..max files
// (A100 first, then V100; within a type by tp, then bs).
std::vector<SynthProfile> synthesize_profiles(int layers, int max_batch);

// The file text, byte-identical to the reference generator's output.
std::string profile_json(const SynthProfile& p);

Profile to_profile(const SynthProfile& p);
ProfileSet synthetic_profile_set(int layers, int max_batch);

// Writes every profile into `dir` (created if needed), each file atomically; stale
// DeviceType.*.json files from an earlier run are removed, as the reference empties ./profile.
void write_profiles(const std::string& dir, const std::vector<SynthProfile>& profiles);

}  // namespace chimera::metis
