# SPDX-License-Identifier: MIT
# The ctest fuzz_smoke (fuzz/CMakeLists.txt): configure a clang fuzzing build in BUILD, build
# the targets, run each for SECONDS on a copy of its checked-in corpus. Any crash, leak,
# sanitizer report or broken invariant fails the test; the input is kept in BUILD/artifacts.
# Without clang or its libFuzzer runtime it writes the reason to SKIP_MARKER and stops, and
# smoke.sh reports the test as skipped.
cmake_minimum_required(VERSION 3.20)
file(REMOVE ${SKIP_MARKER})
function(skip why)
  file(WRITE ${SKIP_MARKER} "${why}\n")
  message(FATAL_ERROR "fuzz_smoke: ${why}")
endfunction()

find_program(CLANG NAMES clang clang-14 clang-15 clang-16)
if(NOT CLANG)
  skip("clang not found; scripts/setup.sh installs clang and libclang-rt-14-dev")
endif()
# The libFuzzer runtime is a separate package: link a trivial target to see that it is there.
set(probe ${BUILD}/probe)
file(MAKE_DIRECTORY ${probe})
file(WRITE ${probe}/probe.c
  "#include <stddef.h>\n#include <stdint.h>\n"
  "int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);\n"
  "int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n")
execute_process(COMMAND ${CLANG} -fsanitize=fuzzer ${probe}/probe.c -o ${probe}/probe
  RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  skip("${CLANG} cannot link -fsanitize=fuzzer (libFuzzer runtime missing? scripts/setup.sh installs libclang-rt-14-dev): ${err}")
endif()

function(run hint)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "fuzz_smoke: ${hint} (exit ${rc}): ${ARGN}")
  endif()
endfunction()

run("configuring the clang build failed"
  ${CMAKE_COMMAND} -S ${SRC} -B ${BUILD} -DCMAKE_C_COMPILER=${CLANG} -DTDXSIM_FUZZ=ON -DTDXSIM_BUILD_TESTS=OFF -DTDXSIM_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo)
run("building the targets failed (libFuzzer runtime missing? scripts/setup.sh installs libclang-rt-14-dev)"
  ${CMAKE_COMMAND} --build ${BUILD} -j2 --target fuzz_targets)

file(MAKE_DIRECTORY ${BUILD}/artifacts)
foreach(t ${TARGETS})
  # New inputs go to a scratch corpus; the checked-in one is only read.
  set(scratch ${BUILD}/corpus/${t})
  file(REMOVE_RECURSE ${scratch})
  file(MAKE_DIRECTORY ${scratch})
  message(STATUS "fuzz_smoke: ${t} for ${SECONDS} s")
  run("${t} found a problem; the input is in ${BUILD}/artifacts (docs/fuzzing.md)"
    ${BUILD}/fuzz/${t} -max_total_time=${SECONDS} -timeout=20 -rss_limit_mb=3072 -print_final_stats=1
    -artifact_prefix=${BUILD}/artifacts/${t}- ${scratch} ${SRC}/fuzz/corpus/${t})
endforeach()
