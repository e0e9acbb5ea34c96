#include "platforms/ns3_tuning.hpp"

#include <array>

#ifdef CHIMERA_HAVE_NS3_HEADERS
#include <ns3/attribute.h>
#include <ns3/config.h>
#include <ns3/string.h>
#include <ns3/type-id.h>
#endif

namespace chimera {
namespace {

struct Setting {
  const char* attribute;
  const char* value;
  const char* meaning;  // for reports
  bool before_load;
};

// Attributes of ns-3.37 (PointToPointNetDevice::Mtu, TcpSocket::*); 8960 = 9000 - 20 (IPv4) -
// 20 (TCP) header bytes; 256 MiB covers the bandwidth-delay product of a 450 GB/s port over a few
// microseconds many times over; 100 segments is the initial window of datacenter TCP stacks.
constexpr std::array<Setting, 5> kSettings = {{
    {"ns3::PointToPointNetDevice::Mtu", "9000", "9000-byte MTU", true},
    {"ns3::TcpSocket::SegmentSize", "8960", "8960-byte segments", false},
    {"ns3::TcpSocket::SndBufSize", "268435456", "256 MiB send buffers", false},
    {"ns3::TcpSocket::RcvBufSize", "268435456", "256 MiB receive buffers", false},
    {"ns3::TcpSocket::InitialCwnd", "100", "100-segment initial window", false},
}};

// Settings ns-3 refused when this process applied them (none expected once accepted() holds).
std::array<bool, kSettings.size()> g_refused{};

#ifdef CHIMERA_HAVE_NS3_HEADERS
// What Config::SetDefaultFailSafe checks, without setting anything: the type and its attribute
// exist and the value converts.
bool accepted(const Setting& s) {
  const std::string full = s.attribute;
  const auto cut = full.rfind("::");
  ns3::TypeId tid;
  if (!ns3::TypeId::LookupByNameFailSafe(full.substr(0, cut), &tid)) return false;
  ns3::TypeId::AttributeInformation info;
  if (!tid.LookupAttributeByName(full.substr(cut + 2), &info)) return false;
  return static_cast<bool>(info.checker->CreateValidValue(ns3::StringValue(s.value)));
}
#endif

Ns3Setting::Status status_of(std::size_t i) {
#ifdef CHIMERA_HAVE_NS3_HEADERS
  return !g_refused[i] && accepted(kSettings[i]) ? Ns3Setting::Status::applied : Ns3Setting::Status::rejected;
#else
  (void)i;
  return Ns3Setting::Status::unavailable;
#endif
}

void apply(bool before_load) {
#ifdef CHIMERA_HAVE_NS3_HEADERS
  for (std::size_t i = 0; i < kSettings.size(); ++i)
    if (kSettings[i].before_load == before_load)
      g_refused[i] = !ns3::Config::SetDefaultFailSafe(kSettings[i].attribute, ns3::StringValue(kSettings[i].value));
#else
  (void)before_load;
#endif
}

std::string joined(Ns3Setting::Status wanted, bool attributes) {
  std::string out;
  for (std::size_t i = 0; i < kSettings.size(); ++i)
    if (status_of(i) == wanted)
      out += (out.empty() ? "" : ", ") + std::string(attributes ? kSettings[i].attribute : kSettings[i].meaning);
  return out;
}

}  // namespace

const char* to_string(Ns3Setting::Status s) {
  switch (s) {
    case Ns3Setting::Status::applied: return "applied";
    case Ns3Setting::Status::rejected: return "rejected";
    case Ns3Setting::Status::unavailable: return "unavailable";
  }
  return "?";
}

void tune_ns3_before_load() { apply(true); }
void tune_ns3_after_load() { apply(false); }

bool ns3_tuning_available() {
#ifdef CHIMERA_HAVE_NS3_HEADERS
  return true;
#else
  return false;
#endif
}

bool ns3_tuning_applied() {
  for (std::size_t i = 0; i < kSettings.size(); ++i)
    if (status_of(i) != Ns3Setting::Status::applied) return false;
  return true;
}

std::vector<Ns3Setting> ns3_tuning_settings() {
  std::vector<Ns3Setting> out;
  for (std::size_t i = 0; i < kSettings.size(); ++i) out.push_back({kSettings[i].attribute, kSettings[i].value, status_of(i)});
  return out;
}

std::string ns3_tuning_description() {
  if (!ns3_tuning_available())
    return "SimGrid's defaults, 1000-byte segments and ns-3's 128 KiB socket buffers and 10-segment initial window; "
           "the tuning for GPU fabrics is not applied: chimera-sim was built without ns-3's headers (libns3-dev)";
  std::string out = joined(Ns3Setting::Status::applied, false);
  if (std::string rejected = joined(Ns3Setting::Status::rejected, true); !rejected.empty())
    out += (out.empty() ? "" : "; ") + std::string("not applied, ns-3 refused: ") + rejected;
  return out;
}

}  // namespace chimera
