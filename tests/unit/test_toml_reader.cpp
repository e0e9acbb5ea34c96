#include <doctest/doctest.h>

#include <functional>

#include "common/toml_reader.hpp"

using namespace chimera;

namespace {
InputError error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e;
  }
  FAIL("no InputError thrown");
  return InputError({}, "", "");
}
}  // namespace

TEST_CASE("typed reads, quantities and known-key tracking") {
  auto t = TomlTable::parse_string("a = 3\nb = 2.5\nc = \"x\"\nd = true\nsize = \"4MiB\"\nbw = \"50GBps\"\n[sub]\ne = [1, 2]\n",
                                   "f.toml");
  CHECK(t.integer("a") == 3);
  CHECK(t.number("a") == 3.0);  // integers are numbers too
  CHECK(t.number("b") == 2.5);
  CHECK(t.string("c") == "x");
  CHECK(t.boolean("d") == true);
  CHECK(t.bytes("size") == 4.0 * 1024 * 1024);
  CHECK(t.bandwidth("bw") == 50e9);
  CHECK_FALSE(t.integer("absent").has_value());
  auto sub = t.table("sub");
  REQUIRE(sub);
  CHECK(sub->integer_array("e") == std::vector<std::int64_t>{1, 2});
  CHECK_NOTHROW(sub->reject_unknown_keys());
  CHECK_NOTHROW(t.reject_unknown_keys());
}

TEST_CASE("errors carry file, line, dotted key") {
  auto t = TomlTable::parse_string("[parallel]\ntp = \"8\"\nzz = 1\n", "s.toml");
  auto p = t.table("parallel");
  auto wrong = error_of([&] { (void)p->integer("tp"); });
  CHECK(wrong.where().file == "s.toml");
  CHECK(wrong.where().line == 2);
  CHECK(wrong.key() == "parallel.tp");
  CHECK(std::string(wrong.what()).find("expected an integer, got string") != std::string::npos);
  auto unknown = error_of([&] { p->reject_unknown_keys(); });
  CHECK(unknown.where().line == 3);
  CHECK(unknown.key() == "parallel.zz");
  CHECK(unknown.valid() == "tp");
  auto missing = error_of([&] { (void)p->require_integer("dp", "an integer"); });
  CHECK(missing.problem() == "missing required key");
  auto syntax = error_of([] { (void)TomlTable::parse_string("a = [\n", "bad.toml"); });
  CHECK(syntax.where().file == "bad.toml");
  CHECK(syntax.problem().find("TOML syntax error") == 0);
  auto minimum = error_of([&] {
    auto t2 = TomlTable::parse_string("n = 0\n", "m.toml");
    (void)t2.positive_integer("n");
  });
  CHECK(minimum.problem() == "must be >= 1 (got 0)");
}
