#include "collectives/run_collective.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "collectives/ring.hpp"

namespace chimera {

void run_collective(CommContext& ctx, const Op& op, int rank) {
  const Group& g = *op.group;
  CollectiveAlgorithm algo = op.algorithm == CollectiveAlgorithm::automatic ? CollectiveAlgorithm::ring : op.algorithm;
  if (algo != CollectiveAlgorithm::ring)
    throw std::invalid_argument(fmt::format("collective algorithm '{}' is not available", to_string(algo)));
  switch (op.collective) {
    case CollectiveKind::all_reduce: return ring_allreduce(ctx, g, rank, op.effective_channel(), op.bytes);
    case CollectiveKind::reduce_scatter: return ring_reduce_scatter(ctx, g, rank, op.effective_channel(), op.bytes);
    case CollectiveKind::all_gather: return ring_allgather(ctx, g, rank, op.effective_channel(), op.bytes);
    default:
      throw std::invalid_argument(fmt::format("collective '{}' with algorithm '{}' is not available",
                                              to_string(op.collective), to_string(algo)));
  }
}

}  // namespace chimera
