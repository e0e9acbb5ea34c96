// Progress lines (study/progress.hpp): the estimate of wall time left.
#include <doctest/doctest.h>

#include "study/progress.hpp"

using namespace chimera;

TEST_CASE("progress: the time left is the elapsed time scaled by the work left over the work done") {
  CHECK(eta_text(10, 0.5) == "ETA 10 s");          // half done in 10 s: 10 s more
  CHECK(eta_text(30, 0.25) == "ETA 1 min 30 s");   // a quarter in 30 s: three quarters take 90 s
  CHECK(eta_text(3600, 0.5) == "ETA 1 h 00 min");
  CHECK(eta_text(5, 1.0) == "ETA 0 s");
  CHECK(eta_text(5, 0.0) == "ETA unknown");  // nothing done yet: no rate to extrapolate
}
