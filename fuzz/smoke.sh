#!/bin/sh
# SPDX-License-Identifier: MIT
# Launcher of the ctest fuzz_smoke: smoke.sh MARKER CMAKE-COMMAND-LINE...
# Runs fuzz/smoke.cmake. A CMake script cannot choose its exit status, so when this machine
# cannot fuzz (no clang, no libFuzzer runtime) smoke.cmake writes its reason to MARKER and
# stops; this turns that into exit 77, which the test declares as SKIP_RETURN_CODE, so ctest
# reports "skipped" instead of a failure. Every other outcome is passed through unchanged.
# Shell builtins only (smoke.cmake removes a stale marker first).
marker=$1
shift
"$@"
rc=$?
if [ "$rc" -ne 0 ] && [ -f "$marker" ]; then
	read -r why <"$marker"
	echo "fuzz_smoke: skipped: $why"
	exit 77
fi
exit "$rc"
