#pragma once
// What each rank did with its time: compute busy, communication that compute did not hide
// (exposed), and idle. Derived from the op timings of a simulation.
#include <vector>

#include "actors/simulate.hpp"
#include "workloads/program.hpp"

namespace chimera {

struct RankTimeStats {
  double compute_busy_s = 0;   // union of compute-stream intervals
  double comm_busy_s = 0;      // union of communication intervals (any stream)
  double exposed_comm_s = 0;   // communication while no compute runs
  // The part of exposed_comm_s in which the rank only waits for a peer, no data moving for it:
  // in a receive whose matching send has not started, or in a collective (or fused many-to-many
  // send) that some participant has not entered yet (the peer is still computing: pipeline
  // fill, a slower stage or replica).
  double peer_wait_s = 0;
  double idle_s = 0;           // neither
  double finish_s = 0;         // end of this rank's last op
};

std::vector<RankTimeStats> rank_time_stats(const std::vector<Program>& programs, const SimulationResult& r);

struct Interval {
  double start, end;
};
// Length of the union of intervals.
double union_length(std::vector<Interval> v);
// Length of (union of a) minus (union of b).
double difference_length(std::vector<Interval> a, std::vector<Interval> b);

}  // namespace chimera
