#pragma once
// A scenario file (TOML, schema version 1), validated, with defaults applied. Paths inside a
// scenario are relative to the scenario file's directory.
#include <optional>
#include <string>

#include "common/input_error.hpp"
#include "platforms/network_settings.hpp"
#include "platforms/platform_spec.hpp"
#include "collectives/collective_options.hpp"
#include "workloads/isca25_e2e.hpp"
#include "workloads/model_spec.hpp"
#include "workloads/parallel_plan.hpp"
#include "workloads/step/training_step.hpp"
#include "workloads/program.hpp"

namespace chimera {

inline constexpr int kScenarioSchema = 1;

struct ComputeSpec {
  std::string preset = "a100";  // hardware preset of every host without its own <prop id="preset">
  // Whether the scenario named [compute] preset. A host whose own preset differs is then an
  // error, unless override_platform_presets: the scenario's preset runs on every host.
  bool preset_given = false;
  bool override_platform_presets = false;
  std::string model;            // compute cost model; default_compute_model() when not given
  std::string lowering = "standard";  // GEMMs a layer charges: "standard" or "isca25" (workloads/transformer_kernels.hpp)
};

struct CollectiveSpec {
  CollectiveAlgorithm tp_algorithm = CollectiveAlgorithm::automatic;
  CollectiveAlgorithm dp_algorithm = CollectiveAlgorithm::automatic;
  CollectiveAlgorithm ep_algorithm = CollectiveAlgorithm::automatic;
  CollectiveAlgorithm sp_algorithm = CollectiveAlgorithm::automatic;
  // Gradients reduced per layer as soon as complete (Megatron's --overlap-grad-reduce), or per
  // stage at the schedule's sync point. Default: on without a [schedule], off with one.
  std::optional<bool> overlap_grad_reduce;
  Granularity granularity = Granularity::step;
  bool local_reduction = false;  // reduce after each receive at the rank's preset's reduction cost
};

// Which lowering turns the model and plan into programs.
struct WorkloadSpec {
  std::string kind = "megatron";  // dense layer stack with Megatron tensor/data parallelism
  // kind = "isca25-e2e": the ISCA'25 end-to-end streams (workloads/isca25_e2e.hpp), which place
  // their own stages on the interconnect's hosts.
  std::optional<E2EConfig> e2e;
};

// How the engine runs programs.
struct EngineSpec {
  // The research engine's global compute barrier (collectives/comm_context.hpp, ComputeBarrier); off: every
  // GPU's streams overlap freely.
  bool compute_barrier = false;
};

struct OutputSpec {
  std::string json;   // report as JSON
  std::string csv;    // per-rank table as CSV
  std::string trace;  // Chrome trace-event JSON
  bool link_stats = false;  // per-link bytes and busy time in the report (platforms/link_stats.hpp)
};

// [memory]: the memory techniques of the training step.
struct MemorySpec {
  int zero_stage = 0;                           // ZeRO 1 (optimizer state), 2 (+ gradients), 3 (+ parameters)
  RecomputeKind recompute = RecomputeKind::none;  // [schedule] recompute = true is "full"
  bool flash_attention = false;
};

struct Scenario {
  std::string file;  // as given on the command line
  std::string title;
  WorkloadSpec workload;
  ModelSpec model;
  ParallelPlan parallel;
  ContextParallelKind sp_kind = ContextParallelKind::ring;  // [parallel] sp_kind
  int global_batch = 0;                                     // sequences per iteration: dp x micro_batches x micro_batch
  FusionSet fusion;                                         // [fusion] pairs
  // [fusion] variant = "baseline": the pairs are checked against the plan as for "fused" but
  // run with the research's baseline communication, so one sweep compares the two on one plan.
  bool fusion_baseline = false;
  FusionSet applied_fusion() const { return fusion_baseline ? FusionSet{} : fusion; }
  MemorySpec memory;
  PlatformSpec platform;
  NetworkSettings network;
  ComputeSpec compute;
  CollectiveSpec collectives;
  OutputSpec output;
  std::optional<PipelineSpec> pipeline;  // [schedule]: the pipeline schedule lowering the plan
  EngineSpec engine;

  // Ranks the scenario runs: tp x pp x dp, or the hosts of an isca25-e2e interconnect.
  int ranks() const;
};

// Reads and validates a scenario file. Throws InputError (file, line, key, what is wrong,
// what would be valid).
Scenario load_scenario(const std::string& path);
Scenario parse_scenario(const std::string& toml_text, const std::string& file_name);

// The default scenario: scenarios/default.toml of the source tree.
std::string default_scenario_path();

}  // namespace chimera
