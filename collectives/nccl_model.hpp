#pragma once
// NCCL's cost model, as its tuner (src/graph/tuning.cc, NCCL 2.18-2.21) writes it, for the
// choices NCCL makes: which protocol (LL, LL128, Simple) and which all-reduce algorithm (ring
// or NVLS) a collective runs with, and the per-operation and per-step latencies each pays.
// Engine-free: the simulator runs the chosen algorithm as flows (collectives/*.cpp) and adds
// these latencies and the protocol's wire overhead; `auto` picks by the estimate below, the
// way NCCL picks by its own (the smallest predicted time).
//
// Enabled per platform: the root zone's <prop id="collective_model" value="nccl"/> (written by
// the nvswitch, pcie and cluster generators). The research's BookSim platforms leave it off
// and keep their pure flow algorithms.
#include <optional>
#include <string>

#include "workloads/program.hpp"

namespace chimera {

enum class NcclProtocol { ll, ll128, simple };
const char* to_string(NcclProtocol p);
bool parse_nccl_protocol(const std::string& s, std::optional<NcclProtocol>& out);  // "auto" -> nullopt
inline constexpr const char* kNcclProtocolChoices = "auto, LL, LL128, Simple";

// NCCL's hardware classes for latencies: a step over NVLink, over PCIe (or host memory), over
// the network.
enum class NcclHw { nvlink, pci, net };
const char* to_string(NcclHw h);

// NCCL's algorithms as far as the tables go here.
enum class NcclAlgo { tree, ring, nvls };

// NCCL's baseLat[algo][proto] and hwLat[hw][algo][proto] (tuning.cc), in seconds.
double nccl_base_latency_s(NcclAlgo a, NcclProtocol p);
double nccl_hw_latency_s(NcclHw h, NcclAlgo a, NcclProtocol p);

// A protocol's bus bandwidth relative to Simple's on the same links (tuning.cc's "model
// refinements"): LL 1/4 for all-reduce or across nodes, else 1/3 (8-byte lines of 4 data bytes
// and 4 flag bytes, read by polling); LL128 0.92 (128-byte lines carrying 120 bytes; 0.7 with
// one GPU per node); Simple 1.
double nccl_protocol_bandwidth_factor(NcclProtocol p, CollectiveKind kind, int nodes, int gpus_per_node);

// The model's parameters of one platform (root-zone props; defaults are NCCL's tables).
struct NcclModel {
  bool enabled = false;
  // Multiplies every baseLat / hwLat figure: a machine's NCCL latencies relative to the table
  // (`collective_latency_scale`; fitted by `chimera-sim calibrate`).
  double latency_scale = 1.0;
  // NVLink SHARP (in-switch reduction) available to all-reduce on this switch (`nvls`).
  bool nvls = false;
  // NVLS's share of the port's payload bandwidth (`nvls_efficiency`): 0.8395 fits
  // 8 x H100's ~480 GB/s bus bandwidth (issue 16); see collectives/README.md.
  double nvls_efficiency = 0.8395;
  // LL128 allowed (NCCL enables it by default only where every GPU pair talks over NVLink).
  bool ll128 = true;
  // A forced protocol (NCCL_PROTO), or nullopt for NCCL's choice.
  std::optional<NcclProtocol> protocol;
};

// What an estimate needs to know of a group.
struct NcclGroupFacts {
  int ranks = 0;
  int nodes = 1;
  NcclHw intra = NcclHw::nvlink;      // class of the steps inside a node
  double intra_bandwidth_Bps = 0;     // per-GPU payload bandwidth of a step inside a node
  double inter_bandwidth_Bps = 0;     // per-GPU payload bandwidth across nodes (NIC), 0 if one node
  int rails = 1;                      // concurrent rings across nodes (one per NIC)
  double intra_latency_s = 0;         // route latency of a step inside a node
  double inter_latency_s = 0;         // route latency of a step across nodes
};

struct NcclChoice {
  CollectiveAlgorithm algorithm = CollectiveAlgorithm::ring;  // ring or nvls
  NcclProtocol protocol = NcclProtocol::simple;
  double estimate_s = 0;
};

// NCCL's predicted time of a ring or NVLS collective of `bytes` (the op's size argument).
// nullopt when the pair (algorithm, protocol) does not apply (NVLS: all-reduce, one node,
// Simple only, platform support; LL128 where the model disallows it).
std::optional<double> nccl_estimate_s(const NcclModel& m, CollectiveKind kind, CollectiveAlgorithm algo, NcclProtocol p,
                                      const NcclGroupFacts& g, double bytes);

// The protocol NCCL would run `algo` with (the forced one if set), and its estimate.
NcclChoice nccl_choose_protocol(const NcclModel& m, CollectiveKind kind, CollectiveAlgorithm algo, const NcclGroupFacts& g,
                                double bytes);

// NCCL's choice for an all-reduce: ring or NVLS (where available), each with its best protocol.
NcclChoice nccl_choose_all_reduce(const NcclModel& m, const NcclGroupFacts& g, double bytes);

// Latency the simulator adds to one member's run of `algo` with protocol `p`, on top of the
// flows' own route latencies: NCCL's baseLat once, and per step the part of hwLat the route's
// latency does not already pay (`route_latency_s` of one step).
double nccl_added_latency_s(const NcclModel& m, CollectiveKind kind, CollectiveAlgorithm algo, NcclProtocol p,
                            const NcclGroupFacts& g, double intra_route_latency_s, double inter_route_latency_s);

}  // namespace chimera
