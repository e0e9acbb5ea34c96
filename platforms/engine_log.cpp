#include "platforms/engine_log.hpp"

#include <unistd.h>
#include <xbt/log.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>

#include "common/exit_codes.hpp"

XBT_LOG_NEW_CATEGORY(chimera, "chimera-sim");

namespace chimera {
namespace {

std::vector<std::string>& user_settings() {
  static std::vector<std::string> s;
  return s;
}

// The signal handler may only write: both reports of the last error are kept ready in fixed
// buffers, filled where SimGrid logs (ordinary code, not the handler).
constexpr std::size_t kMessageMax = 2048;
char g_line_report[kMessageMax + 512] = "internal error: the simulation engine stopped (abort)\n";
std::size_t g_line_report_size = std::strlen(g_line_report);
char g_json_report[2 * kMessageMax + 512] = "{\"error\":\"the simulation engine stopped (abort)\"}";
std::size_t g_json_report_size = std::strlen(g_json_report);
char g_last_error[kMessageMax + 1] = "";
int g_exit_code = kExitInternalError;
int g_report_fd = -1;
bool g_forward = false;
std::string g_partial;  // a line SimGrid has not finished writing

std::string json_escaped(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\', out += c;
    else if (static_cast<unsigned char>(c) < 0x20) out += ' ';
    else out += c;
  }
  return out;
}

// SimGrid's fatal errors that a platform file causes (a route SimGrid cannot find): bad input.
bool platform_problem(const std::string& what) {
  return what.rfind("No route from", 0) == 0 || what.find("there is no connecting path") != std::string::npos;
}
constexpr const char* kRouteAdvice =
    "a platform that connects every pair of GPUs that communicate (chimera-sim platform check FILE lists the missing "
    "routes)";

void remember_error(const std::string& what) {
  const std::size_t n = std::min(what.size(), kMessageMax);
  std::memcpy(g_last_error, what.data(), n);
  g_last_error[n] = '\0';
  const std::string message = what.substr(0, n);
  std::string line, json;
  if (platform_problem(message)) {
    g_exit_code = kExitInputError;
    line = "error: platform: SimGrid cannot route a message: " + message + " (valid: " + kRouteAdvice + ")\n";
    json = R"({"input_error":{"file":"","line":0,"column":0,"key":"platform","problem":"SimGrid cannot route a message: )" +
           json_escaped(message) + R"(","valid":")" + kRouteAdvice + "\"}}";
  } else {
    g_exit_code = kExitInternalError;
    line = "internal error: the simulation engine stopped: " + message + "\n";
    json = "{\"error\":\"the simulation engine stopped: " + json_escaped(message) + "\"}";
  }
  std::memcpy(g_line_report, line.data(), std::min(line.size(), sizeof g_line_report));
  g_line_report_size = std::min(line.size(), sizeof g_line_report);
  std::memcpy(g_json_report, json.data(), std::min(json.size(), sizeof g_json_report));
  g_json_report_size = std::min(json.size(), sizeof g_json_report);
}

// "[0.000000] [root/CRITICAL] what" (no source locations: --log=no_loc) -> what.
void scan_line(const std::string& line) {
  for (const char* tag : {"/CRITICAL] ", "/ERROR] "}) {
    const auto p = line.find(tag);
    if (p == std::string::npos) continue;
    const std::string what = line.substr(p + std::strlen(tag));
    if (what.rfind("Exiting now", 0) != 0 && what.rfind("Backtrace", 0) != 0) remember_error(what);
  }
}

ssize_t capture_write(void*, const char* buf, std::size_t size) {
  if (g_forward) (void)!write(2, buf, size);
  g_partial.append(buf, size);
  for (std::size_t nl; (nl = g_partial.find('\n')) != std::string::npos;) {
    scan_line(g_partial.substr(0, nl));
    g_partial.erase(0, nl + 1);
  }
  return static_cast<ssize_t>(size);
}

std::FILE* capture_stream() {
  static std::FILE* f = [] {
    cookie_io_functions_t io{};
    io.write = capture_write;
    std::FILE* s = fopencookie(nullptr, "w", io);
    if (s) setvbuf(s, nullptr, _IOLBF, 0);
    return s;
  }();
  return f;
}

void on_abort(int) {
  if (g_report_fd >= 0) {
    (void)!write(g_report_fd, g_json_report, g_json_report_size);
    _exit(0);  // the parent reads the error from the pipe
  }
  (void)!write(2, g_line_report, g_line_report_size);
  _exit(g_exit_code);
}

}  // namespace

void set_engine_log_settings(std::vector<std::string> settings) { user_settings() = std::move(settings); }

bool engine_log_requested() { return !user_settings().empty(); }

std::vector<std::string> engine_log_arguments() {
  std::vector<std::string> args = {"--log=root.thresh:error", "--log=no_loc"};
  for (const auto& s : user_settings()) args.push_back("--log=" + s);
  return args;
}

void capture_engine_log() {
  if (engine_log_requested()) return;
  if (std::FILE* f = capture_stream()) xbt_log_appender_set(&_XBT_LOGV(XBT_LOG_ROOT_CAT), xbt_log_appender_stream(f));
}

void forward_engine_log_to_stderr() { g_forward = true; }

std::string last_engine_error() { return g_last_error; }

void install_engine_abort_handler() {
  struct sigaction sa {};
  sa.sa_handler = on_abort;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGABRT, &sa, nullptr);
}

void set_abort_report_fd(int fd) { g_report_fd = fd; }

}  // namespace chimera
