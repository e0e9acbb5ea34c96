#include "platforms/network_settings.hpp"

#include <fmt/format.h>

#include "platforms/ns3_tuning.hpp"

namespace chimera {

std::string network_model_name(NetworkModel m) {
  switch (m) {
    case NetworkModel::CM02: return "CM02";
    case NetworkModel::LV08: return "LV08";
    case NetworkModel::NS3: return "ns-3";
  }
  return "?";
}

std::optional<NetworkModel> parse_network_model(const std::string& text) {
  if (text == "CM02" || text == "cm02") return NetworkModel::CM02;
  if (text == "LV08" || text == "lv08") return NetworkModel::LV08;
  if (text == "ns-3" || text == "ns3" || text == "NS3" || text == "NS-3") return NetworkModel::NS3;
  return std::nullopt;
}

std::vector<std::string> simgrid_config(const NetworkSettings& s) {
  std::vector<std::string> cfg;
  cfg.push_back("network/model:" + network_model_name(s.model));
  if (s.model != NetworkModel::NS3) {
    cfg.push_back(fmt::format("network/crosstraffic:{}", s.crosstraffic ? 1 : 0));
    cfg.push_back(fmt::format("network/TCP-gamma:{}", s.window_cap_bytes ? *s.window_cap_bytes : kLiftedTcpGamma));
  }
  return cfg;
}

std::string describe(const NetworkSettings& s) {
  if (s.model == NetworkModel::NS3)
    return fmt::format("ns-3 (packet-level TCP: {}{})", ns3_tuning_description(),
                       s.payload_efficiency != 1.0 ? fmt::format(", payload efficiency {}", s.payload_efficiency) : "");
  std::string window = s.window_cap_bytes ? fmt::format("TCP window cap {} B", *s.window_cap_bytes)
                                          : "TCP window cap lifted";
  std::string out = fmt::format("{} (crosstraffic {}, {}", network_model_name(s.model),
                                s.crosstraffic ? "on" : "off", window);
  if (s.payload_efficiency != 1.0) out += fmt::format(", payload efficiency {}", s.payload_efficiency);
  return out + ")";
}

}  // namespace chimera
