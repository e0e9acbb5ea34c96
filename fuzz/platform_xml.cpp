// Platform XML (platforms/platform_loader.cpp), loaded as `chimera-sim run` loads a platform
// file: SimGrid parses it (after a preflight in a forked child, since SimGrid aborts on some
// bad XML), then the loader applies host presets and link properties. One engine per process
// and the aborts mean every input is loaded in a child of its own: exit 0 (accepted) or 2
// (an InputError naming the file) is fine; any other exit, a signal or a sanitizer report in
// the child is a finding. The child's coverage counters are copied back through shared
// memory, so libFuzzer still sees which loader paths an input reached.
#include <fcntl.h>
#include <signal.h>
#include <simgrid/s4u/Engine.hpp>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fmt/format.h>

#include "fuzz/coverage_counters.hpp"
#include "fuzz/fuzz_util.hpp"
#include "platforms/platform_loader.hpp"

namespace {

constexpr unsigned kChildSeconds = 8;  // below libFuzzer's -timeout=10: a hang shows as SIGALRM

chimera::fuzz::CoverageCounters g_counters;
std::uint8_t* g_shared_counters = nullptr;  // the child's counters, for the parent
long g_skipped_large = 0;
std::string g_input_path;  // the current input, rewritten for each run, removed at exit
// Made once, before any platform: each child loads into its own copy (SimGrid allows one
// engine per process and one platform per engine), and no child pays for the set-up.
simgrid::s4u::Engine* g_engine = nullptr;

// Exit codes of the child besides 0 and kExitInputError.
constexpr int kVagueInputError = 4, kOtherException = 5;

void write_input(const std::uint8_t* data, std::size_t size) {
  int fd = open(g_input_path.c_str(), O_WRONLY | O_TRUNC);
  for (std::size_t done = 0; fd >= 0 && done < size;) {
    ssize_t n = write(fd, data + done, size - done);
    if (n <= 0) chimera::fuzz::finding("cannot write the input", g_input_path);
    done += static_cast<std::size_t>(n);
  }
  if (fd < 0 || close(fd) != 0) chimera::fuzz::finding("cannot write the input", g_input_path);
}

int load_in_child() {
  signal(SIGALRM, SIG_DFL);  // libFuzzer's handler would let a hung child run on
  alarm(kChildSeconds);
  // SimGrid aborts on some bad XML, which the loader's preflight (a grandchild) turns into an
  // InputError. With libFuzzer's handler the grandchild would report a crash and write a
  // crash file for an input the loader handles; the CLI dies of the plain signal.
  signal(SIGABRT, SIG_DFL);
  int status = 0;
  try {
    chimera::PlatformSpec spec;
    spec.xml_file = g_input_path;
    spec.description = g_input_path;
    (void)chimera::load_platform(*g_engine, spec, 0);
  } catch (const chimera::InputError& e) {
    if (e.where().file.empty() || e.problem().empty()) {
      std::fprintf(stderr, "vague InputError: %s\n", e.what());
      status = kVagueInputError;
    } else {
      status = chimera::kExitInputError;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "internal error: %s\n", e.what());
    status = kOtherException;
  }
  if (g_shared_counters) std::memcpy(g_shared_counters, g_counters.data, g_counters.size);
  return status;
}

void at_exit() {
  unlink(g_input_path.c_str());
  if (g_skipped_large > 0) std::fprintf(stderr, "fuzz_platform_xml: %ld large <cluster> inputs ran out of time\n", g_skipped_large);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  char path[] = "/tmp/chimera-fuzz-platform-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) chimera::fuzz::finding("cannot create a temporary file", std::strerror(errno));
  close(fd);
  g_input_path = path;
  std::atexit(at_exit);
  static int argc = 1;
  static char name[] = "fuzz_platform_xml";
  static char* argv[] = {name, nullptr};
  g_engine = new simgrid::s4u::Engine(&argc, argv);
  g_counters = chimera::fuzz::coverage_counters();
  if (g_counters.size > 0) {
    void* m = mmap(nullptr, g_counters.size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (m != MAP_FAILED) g_shared_counters = static_cast<std::uint8_t*>(m);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  write_input(data, size);
  std::fflush(stdout);
  std::fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) chimera::fuzz::finding("fork failed", std::strerror(errno));
  if (pid == 0) _exit(load_in_child());
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && (WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == chimera::kExitInputError)) {
    if (g_shared_counters) std::memcpy(g_counters.data, g_shared_counters, g_counters.size);
    return 0;
  }
  // A <cluster> or <cabinet> makes SimGrid build as many hosts as its radical asks for: such an
  // input may outlast the child's time and is skipped. Without them the hosts are bounded by
  // the input's length (-max_len), so running out of time is a hang.
  const std::string_view input = chimera::fuzz::text(data, size);
  if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM &&
      (input.find("<cluster") != std::string_view::npos || input.find("<cabinet") != std::string_view::npos)) {
    ++g_skipped_large;
    return 0;
  }
  if (WIFSIGNALED(status))
    chimera::fuzz::finding("the platform load died", fmt::format("signal {} ({})", WTERMSIG(status), strsignal(WTERMSIG(status))));
  switch (WEXITSTATUS(status)) {
    case kVagueInputError: chimera::fuzz::finding("the platform load", "an InputError that names no file or says nothing");
    case kOtherException: chimera::fuzz::finding("the platform load", "an exception other than InputError");
    default:
      chimera::fuzz::finding("the platform load",
                             fmt::format("the child exited with {} (a sanitizer or libFuzzer report above)", WEXITSTATUS(status)));
  }
}
