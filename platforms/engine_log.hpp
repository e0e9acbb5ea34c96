#pragma once
// SimGrid's own messages. SimGrid logs to stderr (warnings of its ns-3 binding, the deadlock
// report, the reason of a fatal error followed by a backtrace); chimera-sim reports each of
// those as its own one-line error instead, so by default the engine's log is kept off the
// terminal: captured, with its last error kept for the report of an abort. `--log=SETTING`
// (SimGrid's syntax, e.g. --log=chimera_actors.thres:debug, --log=root.thres:warning) hands the
// terminal back to SimGrid's log with those settings.
//
// chimera-sim's own log categories, children of `chimera`: chimera_actors (which op each rank
// starts, waits on and finishes), chimera_collectives (each collective call, its algorithm and
// rounds), chimera_platforms (what the loader reads and applies).
#include <string>
#include <vector>

namespace chimera {

// Log settings from the command line (--log), applied to every engine after chimera-sim's defaults.
void set_engine_log_settings(std::vector<std::string> settings);
bool engine_log_requested();
// The engine's --log arguments: defaults (root threshold: error; no source locations or
// backtraces), then the user's settings.
std::vector<std::string> engine_log_arguments();

// After the engine is created: SimGrid's log goes to the capture (unless --log was given).
void capture_engine_log();
// In a child that reports through stderr (the platform preflight): captured lines go to stderr too.
void forward_engine_log_to_stderr();
// The last ERROR or CRITICAL message SimGrid logged (without its prefix), or "".
std::string last_engine_error();

// SIGABRT (SimGrid's fatal errors end in abort()) prints one line, "internal error: the
// simulation engine stopped: <SimGrid's message>", and exits with kExitInternalError. In a
// worker process (set_abort_report_fd) the line goes to the parent as a JSON error instead.
void install_engine_abort_handler();
void set_abort_report_fd(int fd);

}  // namespace chimera
