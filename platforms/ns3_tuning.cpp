#include "platforms/ns3_tuning.hpp"

#include <dlfcn.h>

#include <utility>
#include <vector>

namespace chimera {
namespace {

bool g_applied = true;

// ns3::Config::SetDefault(name, ns3::StringValue(value)), through the symbols libns3-core
// exports (the Itanium C++ ABI names of ns-3.37 as packaged by Debian).
bool set_default(const std::string& name, const std::string& value) {
  using Ctor = void (*)(void*, const std::string&);
  using Dtor = void (*)(void*);
  using SetDefault = void (*)(std::string, const void*);
  static auto ctor = reinterpret_cast<Ctor>(
      dlsym(RTLD_DEFAULT, "_ZN3ns311StringValueC1ERKNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEE"));
  static auto dtor = reinterpret_cast<Dtor>(dlsym(RTLD_DEFAULT, "_ZN3ns311StringValueD1Ev"));
  static auto set = reinterpret_cast<SetDefault>(dlsym(
      RTLD_DEFAULT,
      "_ZN3ns36Config10SetDefaultENSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEERKNS_14AttributeValueE"));
  if (!ctor || !dtor || !set) return false;
  // A StringValue is a vtable pointer, a reference count and a std::string: well under 256 bytes.
  alignas(16) unsigned char value_object[256];
  ctor(value_object, value);
  set(name, value_object);
  dtor(value_object);
  return true;
}

}  // namespace

void tune_ns3_before_load() { g_applied = set_default("ns3::PointToPointNetDevice::Mtu", "9000") && g_applied; }

void tune_ns3_after_load() {
  const std::vector<std::pair<std::string, std::string>> tcp = {
      {"ns3::TcpSocket::SegmentSize", "8960"},
      {"ns3::TcpSocket::SndBufSize", "268435456"},
      {"ns3::TcpSocket::RcvBufSize", "268435456"},
      {"ns3::TcpSocket::InitialCwnd", "100"},
  };
  for (const auto& [name, value] : tcp) g_applied = set_default(name, value) && g_applied;
}

bool ns3_tuning_applied() { return g_applied; }

std::string ns3_tuning_description() {
  return g_applied ? "TCP with jumbo 9000-byte MTU, 256 MiB socket buffers, 100-segment initial window"
                   : "SimGrid's default ns-3 TCP settings (tuning symbols not found)";
}

}  // namespace chimera
