#pragma once
// The programs of one collective over ranks 0..gpus-1 (every rank in the group, one op each),
// the workload several benchmarks time on different platforms.
#include <vector>

#include "workloads/program.hpp"

namespace chimera::bench {

inline std::vector<Program> collective_programs(int gpus, CollectiveKind kind, CollectiveAlgorithm algorithm,
                                                double bytes) {
  std::vector<int> all(gpus);
  for (int r = 0; r < gpus; ++r) all[r] = r;
  GroupPtr g = make_group(all);
  std::vector<Program> programs(gpus);
  for (int r = 0; r < gpus; ++r) {
    Op op;
    op.kind = OpKind::collective;
    op.stream = kCollectiveStream;
    op.collective = kind;
    op.algorithm = algorithm;
    op.group = programs[r].bind(g);
    op.bytes = bytes;
    programs[r].rank = r;
    programs[r].add(op);
  }
  return programs;
}

inline std::vector<Program> ring_allreduce_programs(int gpus, double bytes) {
  return collective_programs(gpus, CollectiveKind::all_reduce, CollectiveAlgorithm::ring, bytes);
}

}  // namespace chimera::bench
