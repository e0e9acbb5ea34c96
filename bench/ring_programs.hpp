#pragma once
// The programs of one ring all-reduce of `bytes` over ranks 0..gpus-1, the workload several
// benchmarks time on different platforms.
#include <vector>

#include "workloads/program.hpp"

namespace chimera::bench {

inline std::vector<Program> ring_allreduce_programs(int gpus, double bytes) {
  std::vector<int> all(gpus);
  for (int r = 0; r < gpus; ++r) all[r] = r;
  GroupPtr g = make_group(all);
  std::vector<Program> programs(gpus);
  for (int r = 0; r < gpus; ++r) {
    Op op;
    op.kind = OpKind::collective;
    op.stream = kCollectiveStream;
    op.collective = CollectiveKind::all_reduce;
    op.algorithm = CollectiveAlgorithm::ring;
    op.group = g;
    op.bytes = bytes;
    programs[r].rank = r;
    programs[r].add(op);
  }
  return programs;
}

}  // namespace chimera::bench
