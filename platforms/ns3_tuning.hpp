#pragma once
// TCP settings for packet-level (ns-3) runs on GPU fabrics. SimGrid's ns-3 binding uses
// 1000-byte segments and ns-3's default 128 KiB socket buffers and 10-segment initial window:
// on a link of hundreds of GB/s and microsecond latencies TCP then never fills the pipe (a
// 64 MiB transfer over 300 GB/s ports ran at about 62 GB/s). Datacenter-like settings instead:
// jumbo frames (9000-byte MTU, 8960-byte segments), 256 MiB socket buffers, an initial window of
// 100 segments. The MTU must be set before the platform is loaded (devices are created then),
// the TCP settings after (SimGrid sets its own defaults while loading) and before the first
// communication.
//
// SimGrid 3.32 offers no configuration option for any of these (its ns-3 options are only
// `ns3/TcpModel` and `ns3/seed`), so they go through ns-3's public API,
// ns3::Config::SetDefaultFailSafe, with the headers of Debian's libns3-dev (found at configure
// time, CHIMERA_HAVE_NS3_HEADERS). Built without those headers nothing is applied; either way
// every report says exactly which settings were applied (ns3_tuning_settings()).
#include <string>
#include <vector>

namespace chimera {

struct Ns3Setting {
  enum class Status {
    applied,      // set on every ns-3 run of this build (ns-3 has the attribute and takes the value)
    rejected,     // ns-3 has no such attribute or refuses the value: not applied
    unavailable,  // chimera-sim was built without ns-3's headers: not applied
  };
  std::string attribute;  // "ns3::TcpSocket::SegmentSize"
  std::string value;      // "8960"
  Status status = Status::unavailable;
};

const char* to_string(Ns3Setting::Status s);  // "applied", "rejected", "unavailable"

void tune_ns3_before_load();
void tune_ns3_after_load();
// True when chimera-sim was built with ns-3's headers, i.e. the settings can be applied.
bool ns3_tuning_available();
// True when every setting is applied.
bool ns3_tuning_applied();
// The settings and what happens to each, in the order they are applied. The status does not
// depend on whether this process ran ns-3 yet (a parent process reporting its children's runs
// gets the same answer): it is checked against ns-3's attribute registry, and a setting ns-3
// refused at run time is reported as rejected.
std::vector<Ns3Setting> ns3_tuning_settings();
// For reports, e.g. "9000-byte MTU, 8960-byte segments, 256 MiB send buffers, 256 MiB receive
// buffers, 100-segment initial window" when all are applied; names what is not and why otherwise.
std::string ns3_tuning_description();

}  // namespace chimera
