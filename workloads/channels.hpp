#pragma once
// Message channels. Messages match on (source rank, destination rank, channel) in FIFO order,
// so two conversations between the same two ranks that may overlap need different channels.
// This header is the one place that says which channel numbers mean what; lowerings and
// collectives name channels through it instead of writing offsets.
//
//   0 .. 15                     collectives: a collective on stream s uses channel s
//   16, 17, 18, ...             point-to-point transfers: pair k (activations, gradients) is
//                               16 + 2k and 17 + 2k
//   channel + k * 16384         lane k (1..63) of a collective: the second tree of a double
//                               binary tree, the rings of a multi-rail ring (inside collectives)
#include <cstdint>

namespace chimera::channels {

// Collectives on streams below this number use the stream number as their channel.
inline constexpr int kCollectiveStreams = 16;

// The channel of a collective issued on `stream` (Op::effective_channel when no channel is set).
constexpr int collective(std::uint16_t stream) { return stream; }

// The channel of point-to-point pair `k` (k = 0, 1, ...: e.g. a pipeline boundary, or a
// (pipe, stage) pair numbered pipe * stages + stage), activations or gradients.
constexpr int point_to_point(int k, bool gradient) { return kCollectiveStreams + 2 * k + (gradient ? 1 : 0); }

// Channels above this are reserved for second lanes inside a collective algorithm.
inline constexpr int kLaneOffset = 1 << 14;
// The channel of lane 1 of a collective on `channel` (lane 0 is `channel` itself): the double
// binary tree runs its mirrored tree there so that the two trees' messages never match.
constexpr int second_lane(int channel) { return channel + kLaneOffset; }
// Lanes 0 .. kMaxLanes-1 of a collective on `channel` (mailbox keys hold channels below 2^20).
inline constexpr int kMaxLanes = 64;
constexpr int lane(int channel, int k) { return channel + k * kLaneOffset; }

}  // namespace chimera::channels
