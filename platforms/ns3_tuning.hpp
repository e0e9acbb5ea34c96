#pragma once
// TCP settings for packet-level (ns-3) runs on GPU fabrics. SimGrid's ns-3 binding uses
// 1000-byte segments and ns-3's default 128 KiB socket buffers and 10-segment initial window:
// on a link of hundreds of GB/s and microsecond latencies TCP then never fills the pipe (a
// 64 MiB transfer over 300 GB/s ports ran at about 62 GB/s). Datacenter-like settings instead:
// jumbo frames (9000-byte MTU, 8960-byte segments), 256 MiB socket buffers, an initial window of
// 100 segments. The MTU must be set before the platform is loaded (devices are created then),
// the TCP settings after (SimGrid sets its own defaults while loading) and before the first
// communication. ns-3's headers are not installed, so the settings go through ns-3's exported
// Config::SetDefault with a StringValue, looked up at run time; when a symbol is missing the
// settings are skipped and ns3_tuning_applied() says so.
#include <string>

namespace chimera {

void tune_ns3_before_load();
void tune_ns3_after_load();
bool ns3_tuning_applied();
// For reports: "jumbo 9000-byte MTU, 256 MiB socket buffers, 100-segment initial window".
std::string ns3_tuning_description();

}  // namespace chimera
