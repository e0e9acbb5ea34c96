# chimera-sim: the two set-up commands are `make demo` and `make test`.
BUILD_DIR ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
BIN := $(BUILD_DIR)/chimera-sim

.PHONY: all deps configure build demo test bench sanitize fuzz-build fuzz-smoke fuzz clean

all: build

deps:
	@./scripts/install-deps.sh

# PYTHON=ON also builds (not yet the default: the shared module has not been linked and imported in CI) the Python module chimera_sim into $(BUILD_DIR)/python (README "Python").
PYTHON ?= OFF
configure: deps
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release -DCHIMERA_PYTHON=$(PYTHON) >/dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

demo: build
	@./$(BIN) run scenarios/default.toml

test: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

# The whole suite under AddressSanitizer + UndefinedBehaviorSanitizer, in its own build folder:
# -O1 and line tables only (reports keep file:line; the build is what CI waits for), and only
# what ctest runs (no benchmarks).
SANITIZE_DIR ?= build-asan
sanitize: deps
	@cmake -S . -B $(SANITIZE_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1" \
	  -DCHIMERA_SANITIZE=ON >/dev/null
	@cmake --build $(SANITIZE_DIR) -j $(JOBS) --target chimera-sim unit_tests e2e_tests
	@cd $(SANITIZE_DIR) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:detect_stack_use_after_return=0 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS)

# libFuzzer targets (fuzz/README.md): clang, coverage + ASan + UBSan, in their own build folder;
# only the libraries the targets need are built. fuzz-smoke runs each target briefly (CI);
# fuzz runs them long: make fuzz FUZZ_TARGETS=scenario FUZZ_TIME=900 FUZZ_RUNS=1000000.
FUZZ_DIR ?= build-fuzz
FUZZ_TARGETS ?= scenario sweep reference_csv schedule hardware_preset metis_hostfile metis_cluster metis_profile nccl_tests platform_xml
FUZZ_SMOKE_TIME ?= 20
FUZZ_TIME ?= 900
FUZZ_RUNS ?= 1000000
FUZZ_NICE ?= 10
fuzz-build:
	@./scripts/install-deps.sh fuzz
	@cmake -S . -B $(FUZZ_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
	  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only" -DCHIMERA_FUZZ=ON >/dev/null
	@cmake --build $(FUZZ_DIR) -j $(JOBS) --target fuzz_all

fuzz-smoke: fuzz-build
	@nice -n $(FUZZ_NICE) ./fuzz/run.sh $(FUZZ_DIR) $(FUZZ_SMOKE_TIME) -1 $(FUZZ_TARGETS)

fuzz: fuzz-build
	@nice -n $(FUZZ_NICE) ./fuzz/run.sh $(FUZZ_DIR) $(FUZZ_TIME) $(FUZZ_RUNS) $(FUZZ_TARGETS)

bench: build
	@./$(BUILD_DIR)/bench/chimera-bench

clean:
	@rm -rf $(BUILD_DIR) $(SANITIZE_DIR) $(FUZZ_DIR)
