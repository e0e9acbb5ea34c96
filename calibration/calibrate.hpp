#pragma once
// Ties a platform file to measurements (chimera-sim calibrate): nccl-tests runs are simulated
// on the platform, and the platform's parameters are rescaled until the simulation meets them:
//
//   - the payload efficiency of the link role that bottlenecks the measured group's route
//     (links with <prop id="role">), from the bandwidth-bound sizes (measured bus bandwidth at
//     least 80 % of the run's best): new = old x median(simulated time / measured time);
//   - NCCL's latency scale (root zone `collective_latency_scale`, collectives/nccl_model.hpp)
//     from the latency-bound sizes (time under twice the run's smallest) of all-reduce,
//     all-gather and reduce-scatter runs; on platforms without NCCL's model the link latency of
//     the route's roles instead, from every run: new = old x median(measured / simulated).
//     Under NCCL's model small sendrecv / alltoall times are NCCL's per-call software cost,
//     which no simulator parameter holds: they are reported, not fitted;
//   - NVLS's efficiency (`nvls_efficiency`) instead of the link's when the run's large sizes
//     ran NVLS (an all-reduce that NCCL's model runs as NVLS there).
//
// Engine-free: the caller simulates (cli/cmd_calibrate.cpp) and this module fits and rewrites
// the XML text.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "calibration/nccl_tests.hpp"

namespace chimera {

// What the platform says about a run's group (probed from the loaded platform).
struct RunRoute {
  std::string bottleneck_role;        // role of the narrowest link of rank 0 -> rank 1
  std::vector<std::string> roles;     // roles of that route's links, in order
  bool nvls_at_large = false;         // the largest size runs as NVLS on the platform
  bool nccl_model = false;            // the platform runs NCCL's collective model
};

// The platform's current values of what is fitted (1 and the file's latencies by default).
struct PlatformParameters {
  std::map<std::string, double> role_efficiency;  // payload_efficiency by role (1 when absent)
  std::map<std::string, double> role_latency_s;   // link latency by role (the first link's)
  double latency_scale = 1.0;
  double nvls_efficiency = 0.8395;
};

struct FitStep {
  std::string parameter;  // "payload_efficiency[nvlink]", "collective_latency_scale", "latency[nvlink]", ...
  double before = 0, after = 0;
  std::string from;       // "all_reduce_perf.txt: 6 bandwidth-bound sizes"
};

// One round of the fit: the new parameters from the runs simulated on the old ones
// (`simulated_s[i][j]`: run i, row j). Parameters no run informs stay as they are.
PlatformParameters fit_parameters(const std::vector<NcclTestsRun>& runs, const std::vector<RunRoute>& routes,
                                  const std::vector<std::vector<double>>& simulated_s, const PlatformParameters& old,
                                  std::vector<FitStep>& steps);

// Sizes a run's fit uses: bandwidth-bound (busbw >= 80 % of the best) and latency-bound (time
// below twice the smallest).
std::vector<bool> bandwidth_bound(const NcclTestsRun& run);
std::vector<bool> latency_bound(const NcclTestsRun& run);

// Reads the current parameters from the platform XML text (payload_efficiency props and
// latency attributes of links with a role, root-zone props).
PlatformParameters read_parameters(const std::string& xml);

// The platform XML with the fitted parameters written in: every link of a fitted role gets the
// role's payload_efficiency prop (and latency attribute where fitted); the root zone gets
// collective_latency_scale and nvls_efficiency. `note` becomes an XML comment at the top.
std::string write_parameters(const std::string& xml, const PlatformParameters& before, const PlatformParameters& after,
                             const std::string& note);

}  // namespace chimera
