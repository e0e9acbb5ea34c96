#pragma once
// The shape of a transformer model, from the model zoo (workloads/models/*.toml) or written
// out in a scenario's [model] table.
#include <string>
#include <vector>

namespace chimera {

class TomlTable;

struct ModelSpec {
  std::string name = "custom";
  int layers = 0;
  int hidden = 0;
  int heads = 0;
  int ffn_hidden = 0;  // 4 * hidden unless given
  int vocab = 0;
  int sequence = 0;
  int micro_batch = 1;
  int bytes_per_element = 2;
  // Mixture of experts (experts == 0: dense).
  int experts = 0;
  int top_k = 0;
  double capacity_factor = 1.0;

  double parameters_per_layer() const;  // dense layer: attention + MLP + 2 layer norms
};

// Reads a [model] table: `name` selects a zoo entry, other keys override it; without `name`
// every shape key is required. Throws InputError.
ModelSpec read_model_spec(TomlTable& t);
ModelSpec load_zoo_model(const std::string& name);
std::vector<std::string> zoo_model_names();

}  // namespace chimera
