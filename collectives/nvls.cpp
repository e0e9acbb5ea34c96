#include "collectives/nvls.hpp"

#include <stdexcept>

namespace chimera {

Task<> nvls_collective(CollectiveCall c) {
  if (c.op.collective != CollectiveKind::all_reduce) throw std::logic_error("nvls: all-reduce only");
  const int n = c.group.size();
  if (n <= 1) co_return;
  const int i = c.group.index_of(c.rank);
  const auto& g = c.group.ranks;
  const double port_bytes = c.bytes * (n + 1.0) / n / c.ctx.options().nccl.nvls_efficiency;
  co_await exchange(c, send_to(g[(i + 1) % n], port_bytes), receive_from(g[(i + n - 1) % n]));
}

}  // namespace chimera
