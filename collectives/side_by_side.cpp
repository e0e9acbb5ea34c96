#include "collectives/side_by_side.hpp"

namespace chimera {
namespace {

struct Join {
  int outstanding = 0;
  std::coroutine_handle<> waiting;
};

Task<> joined(Task<> t, Join& j, RankLoop& loop) {
  co_await t;
  if (--j.outstanding == 0 && j.waiting) loop.schedule(j.waiting);
}

struct AwaitJoin {
  Join& j;
  bool await_ready() const noexcept { return j.outstanding == 0; }
  void await_suspend(std::coroutine_handle<> h) noexcept { j.waiting = h; }
  void await_resume() const noexcept {}
};

}  // namespace

Task<> side_by_side(RankLoop& loop, std::vector<Task<>> tasks) {
  Join join{static_cast<int>(tasks.size()), {}};
  std::vector<Task<>> wrapped;
  wrapped.reserve(tasks.size());
  for (auto& t : tasks) wrapped.push_back(joined(std::move(t), join, loop));
  for (auto& w : wrapped) loop.schedule(w.handle());
  co_await AwaitJoin{join};
  for (auto& w : wrapped)
    if (auto e = w.handle().promise().error) std::rethrow_exception(e);
}

}  // namespace chimera
