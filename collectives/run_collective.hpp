#pragma once
// Executes one collective op of a rank's program: every member's actor calls this with the
// same op, and the chosen algorithm turns it into SimGrid communications.
#include "collectives/comm_context.hpp"
#include "workloads/program.hpp"

namespace chimera {

// Blocks the calling actor until this rank's part of the collective is done. Throws
// std::invalid_argument for a kind/algorithm combination that does not exist.
void run_collective(CommContext& ctx, const Op& op, int rank);

}  // namespace chimera
