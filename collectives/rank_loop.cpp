#include "collectives/rank_loop.hpp"

#include <simgrid/s4u/Actor.hpp>
#include <simgrid/s4u/Exec.hpp>
#include <simgrid/s4u/Host.hpp>
#include <simgrid/s4u/NetZone.hpp>
#include <simgrid/simix.hpp>

#include <algorithm>
#include <array>
#include <stdexcept>
#include <string>

namespace chimera {

// ---- coroutine frames ------------------------------------------------------------------------

namespace {

constexpr std::size_t kFrameClass = 64;
constexpr std::size_t kFrameClasses = 64;  // pooled up to 4 KiB; larger frames use operator new

struct FreeBlock {
  FreeBlock* next;
};
std::array<FreeBlock*, kFrameClasses> g_free_frames{};

std::size_t frame_class(std::size_t bytes) { return (bytes + kFrameClass - 1) / kFrameClass; }

}  // namespace

void* allocate_frame(std::size_t bytes) {
  const std::size_t c = frame_class(bytes);
  if (c >= kFrameClasses) return ::operator new(bytes);
  if (FreeBlock* b = g_free_frames[c]) {
    g_free_frames[c] = b->next;
    return b;
  }
  return ::operator new(c * kFrameClass);
}

void free_frame(void* p, std::size_t bytes) noexcept {
  const std::size_t c = frame_class(bytes);
  if (c >= kFrameClasses) return ::operator delete(p);
  auto* b = static_cast<FreeBlock*>(p);
  b->next = g_free_frames[c];
  g_free_frames[c] = b;
}

// ---- sleep hosts -----------------------------------------------------------------------------

void SleepHosts::create(simgrid::s4u::NetZone* root, int count) {
  if (count <= 0) return;
  auto* zone = simgrid::s4u::create_empty_zone(kZoneName);
  zone->set_parent(root);
  free_.reserve(free_.size() + count);
  for (int i = 0; i < count; ++i) {
    // 1 flop/s: an exec of d flops ends d seconds after it starts.
    auto* h = zone->create_host("chimera-sleep-" + std::to_string(created_ + i), 1.0);
    h->seal();
    free_.push_back(h);
  }
  std::reverse(free_.end() - count, free_.end());  // handed out in creation order
  created_ += count;
  zone->seal();
}

simgrid::s4u::Host* SleepHosts::take() {
  if (free_.empty())
    throw std::logic_error("more concurrent sleeps than sleep hosts: the estimate in actors/simulate.cpp is too low");
  auto* h = free_.back();
  free_.pop_back();
  return h;
}

// ---- the loop --------------------------------------------------------------------------------

void RankLoop::add_pending(const simgrid::s4u::ActivityPtr& a, Waiter* w) {
  pending_.push_back(a);
  pending_waiters_.push_back(w);
}

void RankLoop::WaitAll::await_suspend(std::coroutine_handle<> h) {
  waiter = {h, static_cast<int>(activities.size())};
  for (const auto& a : activities) loop.add_pending(a, &waiter);
}

void RankLoop::Sleep::await_suspend(std::coroutine_handle<> h) {
  const double d = std::max(seconds, loop.precision_s_);  // what CPU sleep actions do
  host = loop.sleep_hosts_->take();
  exec = simgrid::s4u::Exec::init();
  loop.to_start_.push_back({exec, host, d});
  waiter = {h, 1};
  loop.add_pending(exec, &waiter);
}

void RankLoop::Sleep::await_resume() {
  if (host) loop.sleep_hosts_->give_back(host);
  host = nullptr;
}

void RankLoop::spawn(Task<> task) {
  schedule(task.handle());
  tasks_.push_back(std::move(task));
}

void RankLoop::start_posted() {
  if (to_start_.empty()) return;
  // In the maestro, s4u calls run directly: one simcall for the whole batch. A comm keeps the
  // actor that created it (put_init / get_init) as its sender or receiver.
  simgrid::kernel::actor::simcall_answered([this] {
    for (ToStart& t : to_start_) {
      if (t.exec_host) {
        auto* e = static_cast<simgrid::s4u::Exec*>(t.activity.get());
        e->set_flops_amount(t.exec_flops);
        e->set_host(t.exec_host);
      }
      t.activity->start();
    }
  });
  to_start_.clear();
}

void RankLoop::run() {
  std::size_t head = 0;
  for (;;) {
    while (head < ready_.size()) ready_[head++].resume();
    ready_.clear();
    head = 0;
    if (failed_) return;
    start_posted();
    if (pending_.empty()) return;
    const auto i = static_cast<std::size_t>(simgrid::s4u::Activity::wait_any(pending_));
    Waiter* w = pending_waiters_[i];
    pending_.erase(pending_.begin() + static_cast<std::ptrdiff_t>(i));
    pending_waiters_.erase(pending_waiters_.begin() + static_cast<std::ptrdiff_t>(i));
    if (--w->outstanding == 0) ready_.push_back(w->handle);
  }
}

std::exception_ptr RankLoop::error() const {
  for (const auto& t : tasks_)
    if (t.done() && t.handle() && t.handle().promise().error) return t.handle().promise().error;
  return nullptr;
}

}  // namespace chimera
