# Benchmark harness (bench/): grepls and the naive baseline measured side by side over stdio.
# `make bench` is the full run (about 4 min); `make bench-smoke` is the tiny end-to-end check CI runs.
.PHONY: bench bench-smoke

## bench: measure keystroke/didOpen/pattern-change latency and RSS, grepls vs naive baseline
bench: $(STAMP)
	$(PY) -m bench

## bench-smoke: every scenario at 2k lines, every publish checked (fails on a wrong count)
bench-smoke: $(STAMP)
	$(PY) -m bench --smoke

TEST_TARGETS += bench-smoke
