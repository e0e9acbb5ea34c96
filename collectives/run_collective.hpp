#pragma once
// Executes one collective op of a rank's program: every member's actor calls run_collective
// with the same op, and the chosen algorithm turns it into SimGrid communications.
#include <string>

#include "collectives/comm_context.hpp"
#include "collectives/task.hpp"
#include "workloads/program.hpp"

namespace chimera {

// The algorithm `auto` stands for, given the group and the platform: multicast and m2ms go
// direct; a group spread evenly over several nodes goes hierarchical; otherwise the platform's
// preferred algorithm when it fits the group (hierarchical-ring needs a shaped group,
// halving-doubling a power-of-two group), else ring (all-to-all: direct).
CollectiveAlgorithm resolve_algorithm(CommContext& ctx, const Op& op, const Group& group);

// What is wrong with running `op` with `algorithm` (empty when it can run): a kind the
// algorithm does not implement, a non-power-of-two group for halving-doubling, uneven nodes
// for hierarchical, missing or mismatched targets for multicast.
std::string collective_problem(CommContext& ctx, const Op& op, const Group* group, const Group* targets,
                               CollectiveAlgorithm algorithm);

// The algorithms that implement a collective kind ("ring, direct, ...").
std::string algorithms_for(CollectiveKind kind);

// How NCCL's model runs a resolved (ring or NVLS) collective: its protocol, the wire bytes per
// payload byte, the latency added to the flows', and NCCL's own estimate. `applies` is false
// where the model is off or the algorithm is not one of NCCL's.
struct NcclRun {
  bool applies = false;
  NcclProtocol protocol = NcclProtocol::simple;
  double wire_factor = 1.0;
  double added_latency_s = 0;
  double estimate_s = 0;
};
NcclRun nccl_run(CommContext& ctx, const Op& op, const Group& group, CollectiveAlgorithm a);

// This rank's part of the collective, a task of the rank's loop. The algorithm of each (group,
// kind, requested algorithm) is resolved once (check_collectives in actors/simulate.cpp
// remembers it; otherwise the first call does).
Task<> run_collective(CommContext& ctx, RankLoop& loop, const Program& program, const Op& op);

}  // namespace chimera
