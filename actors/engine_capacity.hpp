#pragma once
// Whether a simulation fits this machine, worked out before SimGrid starts: every GPU is one
// actor with a stack of its own, and the kernel limits how many memory mappings a process may
// hold (/proc/sys/vm/max_map_count, 65,530 by default). SimGrid protects each stack with a
// guard page, which splits its mapping in two; past the limit SimGrid aborts ("Failed to
// protect stack"). So: guard pages while the mappings fit, none beyond (stacks then merge into
// few mappings, measured), and a clear error (InputError, exit code 2) when the memory the
// engine needs is not available, instead of an abort or the kernel's OOM killer.
#include <cstdint>
#include <string>

namespace chimera {

struct ContextPlan {
  int actors = 0;
  int stack_kib = 256;  // actors run collectives as coroutines whose frames live on the heap
  int guard_pages = 1;  // 0 when two mappings per actor would pass the limit
  long maps_in_use = 0, map_limit = 0;
};

// Stack and guard settings for `actors` actors (read from /proc; a machine without /proc gets
// SimGrid's defaults). Also pins glibc's mmap threshold so that every stack is a fresh mapping
// whose untouched pages cost no memory.
ContextPlan plan_contexts(int actors);

struct EngineDemand {
  std::int64_t actors = 0;
  std::int64_t ops = 0;
  std::int64_t dependencies = 0;
  std::int64_t sleep_hosts = 0;
};

// Bytes the engine adds to the process for a run (stacks as touched, SimGrid's actor and host
// objects, the per-op run-time state and timings): an estimate from measured per-item costs.
double engine_bytes(const EngineDemand& d);

// Throws InputError (exit code 2) when engine_bytes(d) exceeds the memory available now
// (MemAvailable, or less under a cgroup memory limit), saying what would fit.
void check_engine_memory(const EngineDemand& d);

}  // namespace chimera
