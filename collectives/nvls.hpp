#pragma once
// NVLS all-reduce (NVLink SHARP, NCCL >= 2.17 on NVSwitch 3 systems): every GPU reduces its
// 1/n slice with multimem.ld_reduce (the switch reads the slice from all n GPUs, adds, returns
// the sum), then multicasts it with multimem.st (the switch writes it to all n GPUs); NCCL
// pipelines the two over chunks. A GPU's port therefore carries, each way, M + M/n: out, its
// whole buffer read by the switch and its reduced slice; in, its reduced slice and every
// slice multicast back.
//
// The flow model has no switch host, and on a non-blocking switch only the ports are
// resources: one round in which member i sends M (1 + 1/n) / e to member i+1 (a permutation:
// one flow per port each way) loads every port exactly as the switch does, e being the
// platform's NVLS efficiency (collectives/nccl_model.hpp). Time: M (n+1) / (n B e) plus
// NCCL's NVLS latency.
#include "collectives/transfers.hpp"

namespace chimera {

Task<> nvls_collective(CollectiveCall c);

}  // namespace chimera
