#pragma once
// Relative comparison for doctest. doctest::Approx(x).epsilon(e) accepts |a - x| < e (1 + max(|a|,
// |x|)): for quantities far below 1 (the seconds of a collective, a bubble of 0.05) that is an
// absolute tolerance of e, so doctest::Approx(21.97e-6).epsilon(0.005) accepts anything up to
// 5 ms. approx(x) drops the 1 (scale 0): |a - x| < e max(|a|, |x|), a relative tolerance, with
// doctest's default e (about 1.2e-5) unless .epsilon() sets another. An expected 0 keeps scale 1
// (an absolute tolerance of e), the only meaningful comparison with zero.
#include <doctest/doctest.h>

namespace chimera::test {

inline doctest::Approx approx(double expected) { return doctest::Approx(expected).scale(expected == 0 ? 1.0 : 0.0); }

}  // namespace chimera::test
