# The two commands of the README, plus conveniences. The real work is in scripts/.
.PHONY: all demo check build clean

all: build

build:
	scripts/setup-deps
	@[ -f build/build.ninja ] || meson setup build -Dwerror=true
	ninja -C build

# The main job on the embedded default: the lab world, a real journey, explained.
demo: build
	tests/lab/demo

# Installs what is missing, builds (plain and sanitizers), runs every test.
check:
	scripts/setup-deps
	scripts/check

clean:
	rm -rf build build-asan

# Runs every libFuzzer target FUZZ_SECONDS (default 60) on its corpus (doc/fuzzing.md).
.PHONY: fuzz
fuzz:
	fuzz/run-fuzz.sh

# Benchmarks, side by side with their baselines (doc/performance.md): installs what they need
# (bench/setup-deps), builds build-bench (release) and prints one table. Never a test.
.PHONY: bench
bench:
	bench/setup-deps
	bench/run
