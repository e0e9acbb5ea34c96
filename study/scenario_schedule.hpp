#pragma once
// A scenario's [schedule] table: the pipeline schedule that lowers a pp > 1 plan (and the
// memory-model choices), checked against [parallel] and [model].
//
//   [schedule]
//   kind = "chimera"            # gpipe | 1f1b | interleaved | chimera | zb-h1
//   chunks = 2                  # interleaved: model chunks per worker
//   pipes_per_direction = 1     # chimera: pipelines per direction
//   extend = "concat"           # chimera with N > D: concat | doubling
//   recompute = false           # full activation recomputation
//   optimizer = "adam"          # memory model: adam | sgd
#include <optional>

#include "common/toml_reader.hpp"
#include "workloads/model_spec.hpp"
#include "workloads/parallel_plan.hpp"
#include "workloads/step/training_step.hpp"

namespace chimera {

// `schedule` is the [schedule] table, `parallel` the [parallel] table (for errors about pp and
// micro_batches). Throws InputError.
PipelineSpec read_schedule_table(TomlTable& schedule, const TomlTable& parallel, const ParallelPlan& plan,
                                 const ModelSpec& model);

}  // namespace chimera
