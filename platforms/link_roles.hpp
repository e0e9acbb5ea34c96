#pragma once
// What a link is, for per-link statistics and `platform show`: a platform says it with
// <prop id="role" value="nvlink"/> on the link. The set is closed so that a typo is an error.
#include <string>
#include <string_view>
#include <vector>

namespace chimera {

// nvlink       a GPU's NVLink port to an NVSwitch (per direction)
// nvswitch     an NVSwitch's shared backplane
// pcie         a PCIe link (GPU or switch to its root port / switch)
// upi          the inter-socket link (UPI, Infinity Fabric / xGMI)
// host-memory  a socket's DRAM, crossed by traffic staged through host memory
// nic          a network adapter's port (per GPU or per socket)
// switch       a network switch traversal (leaf / rail switch)
// uplink       a leaf or unit's uplink to the spine
// injection    a node's injection/ejection channel to its router (mesh, torus)
// channel      a router-to-router channel (mesh, torus, dragonfly, dgx2 endpoints)
// inter-switch a link between two switches (dgx2)
// dragonfly-local, dragonfly-green, dragonfly-black, dragonfly-blue: SimGrid dragonfly links
// backbone, cluster-private: SimGrid <cluster> links; other: anything else
inline const std::vector<std::string>& link_roles() {
  static const std::vector<std::string> roles = {
      "nvlink",  "nvswitch",  "pcie",    "upi",          "host-memory", "nic",
      "switch",  "uplink",    "injection", "channel",    "inter-switch", "dragonfly-local",
      "dragonfly-green", "dragonfly-black", "dragonfly-blue", "backbone", "cluster-private", "other"};
  return roles;
}

inline bool is_link_role(std::string_view r) {
  for (const auto& x : link_roles())
    if (x == r) return true;
  return false;
}

inline std::string link_role_choices() {
  std::string s;
  for (const auto& x : link_roles()) s += (s.empty() ? "" : ", ") + x;
  return s;
}

// The role of a link SimGrid created itself (cluster and dragonfly zones name their links),
// or "" when the name says nothing.
inline std::string role_from_simgrid_name(std::string_view name) {
  auto starts = [&](std::string_view p) { return name.substr(0, p.size()) == p; };
  if (starts("local_link_from_router")) return "dragonfly-local";
  if (starts("green_link")) return "dragonfly-green";
  if (starts("black_link")) return "dragonfly-black";
  if (starts("blue_link")) return "dragonfly-blue";
  if (name.find("_backbone") != std::string_view::npos) return "backbone";
  if (name.find("_link_") != std::string_view::npos) return "cluster-private";
  if (name == "__loopback__") return "other";
  return "";
}

}  // namespace chimera
