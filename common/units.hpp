#pragma once
// Parsing of quantities written by users: sizes ("4MiB"), bandwidths ("50GBps", "400Gbps"),
// durations ("100ns"), size sweeps ("4KiB:4GiB") and rank lists ("0-3,8"). Each parser
// throws std::invalid_argument with a message saying what would be valid; callers turn it
// into an InputError that names the file or option.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace chimera {

// Bytes: a number with an optional unit B, KB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB,
// TiB (powers of 1024). "4MiB" -> 4194304.
double parse_bytes(std::string_view text);

// Bytes per second: a number with a unit Bps, KBps, MBps, GBps, TBps (bytes; also "GB/s"),
// or bps, Kbps, Mbps, Gbps, Tbps (bits; also "Gb/s"), or KiBps, MiBps, GiBps.
double parse_bandwidth(std::string_view text);

// Seconds: a number with a unit s, ms, us, ns, ps; a bare number is seconds.
double parse_duration(std::string_view text);

// "A:B" -> A, 2A, 4A, ... up to B (inclusive when B is reached exactly); "A" -> {A};
// "A,B,C" -> {A, B, C}.
std::vector<double> parse_byte_sweep(std::string_view text);

// "0-7" -> 0..7; "0,2,4-6" -> 0,2,4,5,6. Duplicates are an error, and so are numbers above
// kMaxRankNumber: the largest generated platform has 65,536 GPUs (platforms/ cluster), and
// "0-2147483647" would otherwise be two billion ranks.
inline constexpr int kMaxRankNumber = 65535;
std::vector<int> parse_rank_list(std::string_view text);

// "4x2" -> {4, 2}: positive dimensions joined by x. Throws std::invalid_argument.
std::vector<int> parse_shape(std::string_view text);

// "4 MiB", "1.5 GiB", "512 B": for tables.
std::string format_bytes(double bytes);
// "450 GB/s": for tables.
std::string format_bandwidth(double bytes_per_s);
// "1.234 ms": for tables.
std::string format_duration(double seconds);

}  // namespace chimera
