#pragma once
// The research's synthetic interconnects (BookSim2 configs, shared/data/isca25/network-cfg/):
//  - mesh2d / torus2d / torus3d, k routers per dimension, one GPU per router. Host i sits at
//    x = i % k, y = (i / k) % k, z = i / k^2 (host i = z k^2 + y k + x). Each GPU reaches its
//    router through a split-duplex injection/ejection channel (1 cycle); routers are joined by
//    one-way channels, one per direction per neighbour ("r5-x+" leaves router 5 towards +x),
//    100 cycles each. Dimension-order routing: x, then y, then z; on a torus the shorter way
//    round, and at distance exactly k/2 (a tie, random per packet in BookSim) always the +
//    direction, so on a k = 2 torus the - channels stay idle.
//  - dgx2: two switches of c endpoints (host = switch c + port), endpoint ports of 100 cycles,
//    c parallel inter-switch links; traffic to endpoint d on the other switch takes
//    inter-switch link d mod c (BookSim's dgx2_nca).
// 1 cycle = 1 ns; every channel carries 50 GB/s per direction (a 400-bit flit per cycle).
#include <string>

#include "platforms/flat_topology.hpp"

namespace chimera {

enum class GridShape { mesh2d, torus2d, torus3d };

struct GridParams {
  GridShape shape = GridShape::mesh2d;
  int k = 5;
  double link_bandwidth_Bps = 50e9;
  double link_latency_s = 100e-9;
  double injection_latency_s = 1e-9;
  std::string host_preset;
  double payload_efficiency = 1.0;
  bool ns3 = false;
};

int grid_dimensions(GridShape s);
int grid_hosts(const GridParams& p);
FlatTopology grid_topology(const GridParams& p);
std::string grid_platform_xml(const GridParams& p, const std::string& comment);

struct Dgx2Params {
  int c = 8;
  double link_bandwidth_Bps = 50e9;
  double link_latency_s = 100e-9;
  std::string host_preset;
  double payload_efficiency = 1.0;
  bool ns3 = false;
  // What `auto` runs (root-zone collective_algorithm): the research's serial halving-doubling,
  // or the concurrent one.
  std::string algorithm = "halving-doubling-serial";
};

FlatTopology dgx2_topology(const Dgx2Params& p);
std::string dgx2_platform_xml(const Dgx2Params& p, const std::string& comment);

}  // namespace chimera
