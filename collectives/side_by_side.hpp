#pragma once
// Runs tasks of one rank side by side (the two trees of a double binary tree, the rings of a
// multi-rail ring) and resumes when all have ended, rethrowing the first error.
#include <vector>

#include "collectives/rank_loop.hpp"
#include "collectives/task.hpp"

namespace chimera {

Task<> side_by_side(RankLoop& loop, std::vector<Task<>> tasks);

}  // namespace chimera
