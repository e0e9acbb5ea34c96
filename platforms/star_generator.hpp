#pragma once
// The simplest GPU box: n GPUs, each with its own split-duplex port (bandwidth B and latency
// l per direction) to a non-blocking switch. A route between two GPUs crosses the sender's
// UP port and the receiver's DOWN port: bandwidth B, latency 2l. No contention unless two
// flows share a port.
#include <string>

namespace chimera {

struct StarParams {
  int gpus = 8;
  double port_bandwidth_Bps = 450e9;
  double port_latency_s = 0.5e-6;
};

std::string star_platform_xml(const StarParams& p);

}  // namespace chimera
