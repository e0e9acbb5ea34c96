#include "platforms/dragonfly_generator.hpp"

#include <fmt/format.h>

#include "platforms/xml_platform.hpp"

namespace chimera {

int dragonfly_hosts(const DragonflyParams& p) {
  return p.groups * p.chassis_per_group * p.routers_per_chassis * p.nodes_per_router;
}

std::string dragonfly_platform_xml(const DragonflyParams& p, const std::string& comment) {
  std::string body = fmt::format(
      "<zone id=\"machine\" routing=\"Full\">\n"
      "  <cluster id=\"dragonfly\" prefix=\"nid\" suffix=\"\" radical=\"0-{}\" speed=\"1Gf\" bw=\"{}\" lat=\"{}\"\n"
      "           topology=\"DRAGONFLY\" topo_parameters=\"{},{};{},{};{},{};{}\">\n",
      dragonfly_hosts(p) - 1, xml::bandwidth_text(p.link_bandwidth_Bps), xml::latency_text(p.link_latency_s),
      p.groups, p.blue_links, p.chassis_per_group, p.black_links, p.routers_per_chassis, p.green_links,
      p.nodes_per_router);
  // A <cluster>'s properties land on each of its hosts.
  if (!p.host_preset.empty())
    body += fmt::format("    <prop id=\"preset\" value=\"{}\"/>\n", xml::escape(p.host_preset));
  body += "  </cluster>\n</zone>\n";
  return xml::write_platform_body(body, comment);
}

}  // namespace chimera
