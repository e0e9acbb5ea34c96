#pragma once
// How flows share links: the SimGrid network model and its options. The defaults fit GPU
// interconnects (CM02, no reverse-path cross-traffic, TCP window cap lifted); LV08's
// wide-area TCP corrections and ns-3's packet-level TCP stay selectable. Every report prints
// these settings (see describe()).
#include <optional>
#include <string>
#include <vector>

namespace chimera {

enum class NetworkModel { CM02, LV08, NS3 };

struct NetworkSettings {
  NetworkModel model = NetworkModel::CM02;
  bool crosstraffic = false;
  // TCP window cap per flow, gamma / (2 * route latency); nullopt = lifted.
  std::optional<double> window_cap_bytes;
  // Payload efficiency applied to every link's bandwidth (packet headers); 1.0 = none.
  double payload_efficiency = 1.0;
};

// Bandwidth-cap value used when the window cap is lifted: so large it never binds.
inline constexpr double kLiftedTcpGamma = 1e15;

std::string network_model_name(NetworkModel m);  // "CM02", "LV08", "ns-3"
// Accepts "CM02", "cm02", "LV08", "lv08", "ns-3", "ns3"; nullopt otherwise.
std::optional<NetworkModel> parse_network_model(const std::string& text);
inline constexpr const char* kNetworkModelChoices = "CM02, LV08, ns-3";

// SimGrid --cfg options for these settings (without the "--cfg=" prefix).
std::vector<std::string> simgrid_config(const NetworkSettings& s);

// One line for reports: "CM02 (crosstraffic off, TCP window cap lifted)".
std::string describe(const NetworkSettings& s);

}  // namespace chimera
