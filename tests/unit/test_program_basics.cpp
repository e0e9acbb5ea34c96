// Program checks, the rank layout and layer parameter counts.
#include <doctest/doctest.h>

#include "workloads/model_spec.hpp"
#include "workloads/parallel_plan.hpp"
#include "workloads/program.hpp"

using namespace chimera;

TEST_CASE("rank layout: tensor-parallel index fastest, then context-parallel, then data parallel") {
  ParallelPlan plan;
  plan.tp = 2;
  plan.dp = 3;
  CHECK(tensor_parallel_group(plan, 3) == std::vector<int>{2, 3});
  CHECK(data_parallel_group(plan, 3) == std::vector<int>{1, 3, 5});
  plan.sp = 2;  // rank = t + 2 (c + 2 (d + 3 p))
  CHECK(coordinates_of(plan, 6).cp_index == 1);
  CHECK(coordinates_of(plan, 6).dp_index == 1);
  CHECK(data_parallel_group(plan, 6) == std::vector<int>{2, 6, 10});
}

TEST_CASE("parameters of a GPT-2 small layer") {
  ModelSpec m;
  m.hidden = 768;
  m.ffn_hidden = 3072;
  // 12 h^2 + 13 h: 7,087,872 parameters per GPT-2 layer (124M model: 12 layers = 85M + embeddings)
  CHECK(m.parameters_per_layer() == 12.0 * 768 * 768 + 13.0 * 768);
}

TEST_CASE("program checks catch forward dependencies and foreign groups") {
  Program p;
  p.rank = 0;
  Op a;
  a.deps = {0};
  p.add(a);
  CHECK_FALSE(check_program(p).empty());
  Program q;
  q.rank = 5;
  Op c;
  c.kind = OpKind::collective;
  c.group = q.bind(make_group({0, 1}));
  q.add(c);
  CHECK(check_program(q).find("not in") != std::string::npos);
}
