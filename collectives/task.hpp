#pragma once
// Task<T>: a C++20 coroutine that one rank's actor runs (collectives/rank_loop.hpp). A rank's
// streams, its collectives and their rounds are Tasks, so that a single SimGrid actor per GPU
// can interleave them: where a stream actor would block (a transfer, a sleep, a dependency), a
// Task suspends and the rank's loop resumes another one.
//
// A Task starts when first awaited (lazy) and resumes its awaiter when it returns (symmetric
// transfer, so chains of awaits do not grow the actor's stack). An exception leaves through the
// awaiter. Frames come from a free list per size: a collective round must not cost a malloc.
#include <coroutine>
#include <cstddef>
#include <exception>
#include <optional>
#include <utility>

namespace chimera {

// Coroutine frame storage: recycled blocks in 64-byte size classes (one thread: the engine's).
void* allocate_frame(std::size_t bytes);
void free_frame(void* p, std::size_t bytes) noexcept;

namespace detail {

struct PromiseBase {
  std::coroutine_handle<> continuation;
  std::exception_ptr error;

  static void* operator new(std::size_t n) { return allocate_frame(n); }
  static void operator delete(void* p, std::size_t n) noexcept { free_frame(p, n); }

  std::suspend_always initial_suspend() noexcept { return {}; }
  struct FinalAwaiter {
    bool await_ready() const noexcept { return false; }
    template <class P>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<P> h) noexcept {
      auto next = h.promise().continuation;
      return next ? next : std::noop_coroutine();
    }
    void await_resume() const noexcept {}
  };
  FinalAwaiter final_suspend() noexcept { return {}; }
  void unhandled_exception() { error = std::current_exception(); }
};

template <class T>
struct Promise : PromiseBase {
  std::optional<T> value;
  template <class U>
  void return_value(U&& v) {
    value.emplace(std::forward<U>(v));
  }
  T take() {
    if (error) std::rethrow_exception(error);
    return std::move(*value);
  }
};

template <>
struct Promise<void> : PromiseBase {
  void return_void() {}
  void take() {
    if (error) std::rethrow_exception(error);
  }
};

}  // namespace detail

template <class T = void>
class [[nodiscard]] Task {
 public:
  struct promise_type : detail::Promise<T> {
    Task get_return_object() { return Task(std::coroutine_handle<promise_type>::from_promise(*this)); }
  };
  using Handle = std::coroutine_handle<promise_type>;

  Task() = default;
  explicit Task(Handle h) : h_(h) {}
  Task(Task&& o) noexcept : h_(std::exchange(o.h_, {})) {}
  Task& operator=(Task&& o) noexcept {
    if (this != &o) {
      if (h_) h_.destroy();
      h_ = std::exchange(o.h_, {});
    }
    return *this;
  }
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;
  ~Task() {
    if (h_) h_.destroy();
  }

  // Awaiting runs the task to its end, then resumes the awaiter with its result.
  bool await_ready() const noexcept { return false; }
  std::coroutine_handle<> await_suspend(std::coroutine_handle<> awaiter) noexcept {
    h_.promise().continuation = awaiter;
    return h_;
  }
  T await_resume() { return h_.promise().take(); }

  // For the rank loop, which starts root tasks itself.
  Handle handle() const { return h_; }
  bool done() const { return !h_ || h_.done(); }

 private:
  Handle h_;
};

}  // namespace chimera
