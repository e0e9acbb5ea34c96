#pragma once
// Profiles of the Metis planner: one JSON file per (GPU type, TP degree, batch size), named
// DeviceType.<TYPE>_tp<TP>_bs<BS>.json, with per-layer fwd+bwd times and memory. The search
// reads them through ProfileSet; ModelConstants are the model-level values that the reference
// takes from "the first file loaded" and that here come from an explicitly named file.
#include <string>
#include <string_view>
#include <vector>

namespace chimera::metis {

struct Profile {
  std::string file;  // file name (no directory)
  std::string type;
  int tp = 0, bs = 0;
  std::vector<double> layer_compute_ms;  // execution_time.layer_compute_total_ms
  double layer_compute_total_ms = 0;     // their sum, left to right
  double fb_sync_ms = 0;                 // forward_backward_time_ms - that sum
  std::vector<double> layer_memory_mb;   // execution_memory.layer_memory_total_mb
  double optimizer_time_ms = 0, batch_generator_time_ms = 0;
  std::vector<double> parameters_per_layer_bytes;
};

// Builds a Profile from the fields the planner reads (fb_sync and the total computed here).
Profile make_profile(std::string file, std::string type, int tp, int bs, std::vector<double> layer_compute_ms,
                     double forward_backward_ms, std::vector<double> layer_memory_mb, double optimizer_time_ms,
                     double batch_generator_time_ms, std::vector<double> parameters_per_layer_bytes);

// "DeviceType.A100_tp4_bs32.json" -> {A100, 4, 32}; false if the name has another form.
bool parse_profile_name(std::string_view name, std::string& type, int& tp, int& bs);
std::string profile_name(std::string_view type, int tp, int bs);

class ProfileSet {
 public:
  // Throws InputError on a duplicate (type, tp, bs).
  void add(Profile p);
  // Interned type index, -1 if no profile has that type.
  int type_index(std::string_view type) const;
  const std::vector<std::string>& types() const { return types_; }
  // nullptr when there is no such profile.
  const Profile* find(int type, int tp, int bs) const {
    if (type < 0 || tp < 1 || bs < 1 || tp > max_tp_ || bs > max_bs_) return nullptr;
    int i = table_[(static_cast<std::size_t>(type) * (max_tp_ + 1) + tp) * (max_bs_ + 1) + bs];
    return i < 0 ? nullptr : &profiles_[i];
  }
  const Profile* find(std::string_view type, int tp, int bs) const { return find(type_index(type), tp, bs); }
  std::size_t size() const { return profiles_.size(); }
  const std::vector<Profile>& all() const { return profiles_; }
  std::string origin;  // directory or description, for reports and errors

 private:
  void rebuild_table();
  std::vector<Profile> profiles_;
  std::vector<std::string> types_;
  std::vector<int> table_;
  int max_tp_ = 0, max_bs_ = 0;
};

// One profile's JSON text; `name` is its file name (it gives type, tp and bs), `path` names it in
// errors. Each layer list must have `layers` entries. Throws InputError.
Profile parse_profile(std::string_view json_text, const std::string& name, const std::string& path, int layers);

// Every DeviceType.*.json of `dir`; each must have `layers` entries per layer list.
ProfileSet load_profiles(const std::string& dir, int layers);

// Every type of `types` needs a profile for tp = 1, 2, 4, ... <= max_tp and bs = 1, 2, 4, ...
// <= max_bs (what the search can ask for); a missing one is an InputError naming the files.
void check_profile_grid(const ProfileSet& set, const std::vector<std::string>& types, int max_tp, int max_bs);

struct ModelConstants {
  std::string source;              // profile file the constants come from
  double optimizer_time_ms = 0;    // doubled when the reference's loader quirk is on
  double batch_generator_time_ms = 0;
  double params_input = 0, params_transformer = 0, params_output = 0;  // bytes: first, second, last layer
  std::vector<double> layer_demand;  // lc[T][1][1][l] / sum, T = the source file's type
};

// `source` like "A100_tp32_bs32" (or the full file name).
ModelConstants model_constants(const ProfileSet& set, std::string_view source, bool optimizer_doubled);

}  // namespace chimera::metis
