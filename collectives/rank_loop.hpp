#pragma once
// One GPU, one SimGrid actor: the rank's streams, collectives and rounds are Tasks
// (collectives/task.hpp) that a RankLoop interleaves inside the rank's actor. Where a task
// waits for transfers or for time to pass it suspends; the loop waits for whichever of the
// rank's activities ends first (Activity::wait_any) and resumes the task waiting for it.
// Thousands of GPUs therefore cost thousands of actors, not one per stream.
//
// SimGrid 3.32 has no asynchronous sleep, and a timeout (wait_any_for) ends at the exact
// date while a sleep ends within SimGrid's time precision (surf/precision, 1 ns) of any
// earlier event. A sleep is therefore an Exec of `seconds` flops on a host of 1 flop/s of its
// own (SleepHosts): the same CPU model computes its end as it would a sleep's, so timings stay
// byte-identical to one actor per stream sleeping (checked by tests/unit/test_rank_loop.cpp).
#include <simgrid/forward.h>
#include <simgrid/s4u/Activity.hpp>

#include <boost/container/small_vector.hpp>

#include <coroutine>
#include <exception>
#include <span>
#include <vector>

#include "collectives/task.hpp"

namespace chimera {

// Hosts of 1 flop/s in a zone of their own ("chimera-sleep", child of the root zone), each
// running at most one sleep at a time: an exec alone on its CPU ends at start + flops exactly.
// Created before the platform is sealed (SimGrid adds no host to a sealed zone).
class SleepHosts {
 public:
  static constexpr const char* kZoneName = "chimera-sleep";
  SleepHosts() = default;
  void create(simgrid::s4u::NetZone* root, int count);
  simgrid::s4u::Host* take();
  void give_back(simgrid::s4u::Host* h) { free_.push_back(h); }
  int size() const { return created_; }

 private:
  std::vector<simgrid::s4u::Host*> free_;
  int created_ = 0;
};

class RankLoop {
 public:
  RankLoop(SleepHosts& sleep_hosts, double time_precision_s)
      : sleep_hosts_(&sleep_hosts), precision_s_(time_precision_s) {}
  RankLoop(const RankLoop&) = delete;
  RankLoop& operator=(const RankLoop&) = delete;
  RankLoop(RankLoop&&) = default;

  // Who waits for what: a suspended coroutine and how many of its activities are still running.
  struct Waiter {
    std::coroutine_handle<> handle;
    int outstanding = 0;
  };

  // Resumes when every activity is done (none: at once).
  struct WaitAll {
    RankLoop& loop;
    std::span<const simgrid::s4u::ActivityPtr> activities;
    Waiter waiter{};
    bool await_ready() const noexcept { return activities.empty(); }
    void await_suspend(std::coroutine_handle<> h);
    void await_resume() const noexcept {}
  };
  // `activities`: any contiguous container of ActivityPtr (kept alive by the caller meanwhile).
  template <class Container>
  WaitAll wait_all(const Container& activities) {
    return {*this, std::span<const simgrid::s4u::ActivityPtr>(activities.data(), activities.size()), {}};
  }

  // Resumes `seconds` later, as simgrid::s4u::this_actor::sleep_for(seconds) would (no
  // suspension for seconds <= 0; at least the engine's time precision otherwise).
  struct Sleep {
    RankLoop& loop;
    double seconds;
    simgrid::s4u::Host* host = nullptr;
    simgrid::s4u::ActivityPtr exec;
    Waiter waiter{};
    bool await_ready() const noexcept { return !(seconds > 0); }
    void await_suspend(std::coroutine_handle<> h);
    void await_resume();
  };
  Sleep sleep_for(double seconds) { return {*this, seconds, nullptr, {}, {}}; }

  // Starts a task at the loop's next turn; the loop keeps it until the simulation ends.
  void spawn(Task<> task);
  // Resumes a suspended coroutine at the loop's next turn.
  void schedule(std::coroutine_handle<> h) { ready_.push_back(h); }

  // Starts a communication created (put_init / get_init) in this rank's actor. Starts are
  // batched: every activity the loop's tasks post at one instant starts, in posting order, in
  // one simcall before the loop waits. (Each s4u call on an activity is a simcall, a round trip
  // through SimGrid's maestro; one per instant instead of several per activity.)
  void start(simgrid::s4u::ActivityPtr a) { to_start_.push_back({std::move(a), nullptr, 0}); }

  // Inside the rank's actor: resumes ready tasks, waits for the rank's activities, until
  // nothing is left to wait for (done, or blocked on another rank forever).
  void run();
  // A task failed: the loop stops at its next turn (its actor ends; ranks waiting for it end as a
  // deadlock, and the simulation reports this task's error, not the deadlock).
  void fail() { failed_ = true; }
  // The first exception a spawned task ended with, or null.
  std::exception_ptr error() const;

 private:
  void add_pending(const simgrid::s4u::ActivityPtr& a, Waiter* w);
  void start_posted();

  struct ToStart {
    simgrid::s4u::ActivityPtr activity;
    simgrid::s4u::Host* exec_host;  // an exec (a sleep): its host and flops are set first
    double exec_flops;
  };
  std::vector<ToStart> to_start_;

  SleepHosts* sleep_hosts_;
  double precision_s_;
  std::vector<simgrid::s4u::ActivityPtr> pending_;  // in posting order: wait_any returns the first done
  std::vector<Waiter*> pending_waiters_;
  std::vector<std::coroutine_handle<>> ready_;
  std::vector<Task<>> tasks_;
  bool failed_ = false;
};

}  // namespace chimera
