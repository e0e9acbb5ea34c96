#include "actors/engine_capacity.hpp"

#include <fmt/format.h>
#include <malloc.h>

#include <algorithm>
#include <fstream>
#include <utility>
#include <string>

#include "common/input_error.hpp"

namespace chimera {
namespace {

long read_long(const char* path, long fallback) {
  std::ifstream in(path);
  long v = 0;
  return in >> v ? v : fallback;
}

long count_lines(const char* path) {
  std::ifstream in(path);
  long n = 0;
  for (std::string line; std::getline(in, line);) ++n;
  return n;
}

// "MemAvailable:   12345678 kB" -> bytes; -1 when unknown.
double meminfo_bytes(const std::string& key) {
  std::ifstream in("/proc/meminfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind(key + ":", 0) == 0) return std::stod(line.substr(key.size() + 1)) * 1024.0;
  return -1;
}

// Bytes a file holds as its first number; -1 when absent or not a number ("max": no limit).
double file_bytes(const char* path) {
  std::ifstream in(path);
  double v = 0;
  return in >> v ? v : -1;
}

// What this process may still allocate: the machine's MemAvailable, or less where a cgroup
// (a container, a batch job's allocation) limits the process: its limit minus its usage.
double available_bytes() {
  double available = meminfo_bytes("MemAvailable");
  const std::pair<const char*, const char*> cgroups[] = {
      {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"},                                  // v2
      {"/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes"}};  // v1
  for (const auto& [limit_path, usage_path] : cgroups) {
    const double limit = file_bytes(limit_path), usage = file_bytes(usage_path);
    if (limit <= 0 || usage < 0 || limit > 1e18) continue;  // no limit (v1 writes a huge number)
    const double left = std::max(0.0, limit - usage);
    if (available < 0 || left < available) available = left;
  }
  return available;
}

// Mappings kept free for everything else the process maps (libraries, malloc arenas, files).
constexpr long kMapReserve = 4096;

// Measured on the development machine (SimGrid 3.32, raw contexts, README.md "Speed"): an
// actor with its stack as touched by a rank loop ~20 KiB; a sleep host ~1.1 KiB; per op its
// run-time state (missing count, stream slot, CSR offsets: 12 B) and timing (16 B); per
// dependency one CSR entry (4 B).
constexpr double kBytesPerActor = 20 * 1024.0;
constexpr double kBytesPerSleepHost = 1.1 * 1024.0;
constexpr double kBytesPerOp = 28;
constexpr double kBytesPerDependency = 4;

}  // namespace

ContextPlan plan_contexts(int actors) {
  ContextPlan plan;
  plan.actors = actors;
  plan.map_limit = read_long("/proc/sys/vm/max_map_count", 0);
  plan.maps_in_use = count_lines("/proc/self/maps");
  // A guard page splits the stack's mapping: two mappings per actor.
  if (plan.map_limit > 0 && plan.maps_in_use + 2L * actors + kMapReserve > plan.map_limit) plan.guard_pages = 0;
  // A stack above the threshold is its own mmap, zero pages untouched until used. glibc raises the
  // threshold after freeing a large block, after which stacks would come from the heap, cleared
  // (all their pages resident); a fixed threshold keeps every stack a mapping. Adjacent mappings
  // without guard pages merge, so they do not count against the limit.
  mallopt(M_MMAP_THRESHOLD, 128 * 1024);
  mallopt(M_MMAP_MAX, 1 << 30);
  return plan;
}

double engine_bytes(const EngineDemand& d) {
  return double(d.actors) * kBytesPerActor + double(d.sleep_hosts) * kBytesPerSleepHost + double(d.ops) * kBytesPerOp +
         double(d.dependencies) * kBytesPerDependency;
}

void check_engine_memory(const EngineDemand& d) {
  const double need = engine_bytes(d);
  const double available = available_bytes();
  if (available < 0 || need <= available) return;
  constexpr double GiB = 1024.0 * 1024 * 1024;
  throw InputError({}, "simulation",
                   fmt::format("the engine needs about {:.1f} GiB for {} GPUs ({} ops, {} dependencies) but {:.1f} GiB of "
                               "memory is available",
                               need / GiB, d.actors, d.ops, d.dependencies, available / GiB),
                   "fewer GPUs or micro-batches, granularity = \"aggregated\", or a machine with more memory");
}

}  // namespace chimera
