#pragma once
// What a measured run's group looks like on a platform, for the fit (calibration/calibrate.hpp):
// the roles of the route from rank 0 to rank 1 and its bottleneck, whether the platform runs
// NCCL's collective model, and whether the run's largest all-reduce runs as NVLS there. Loads
// the platform into an engine: call it in a child process (one engine per process).
#include <string>

#include "calibration/calibrate.hpp"
#include "workloads/program.hpp"

namespace chimera {

RunRoute probe_run_route(const std::string& platform_file, const NcclTestsRun& run, CollectiveAlgorithm algorithm);

}  // namespace chimera
