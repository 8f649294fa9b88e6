# SPDX-License-Identifier: MIT
# A packager's build: -DCMAKE_BUILD_TYPE=Release with warnings as errors, once with each
# compiler given in CCS (","-separated; a missing one is skipped with a note). gcc's -O3 finds
# uses it thinks uninitialized that -O0 does not; this is where a new one shows.
# Usage: cmake -DSRC=<tree> -DWORK=<scratch dir> -DCCS=gcc,clang -P release_build.cmake
string(REPLACE "," ";" ccs "${CCS}")
foreach(cc ${ccs})
  find_program(cc_path ${cc})
  if(NOT cc_path)
    message(STATUS "release build: ${cc} not found, skipped")
    unset(cc_path CACHE)
    continue()
  endif()
  set(dir ${WORK}/${cc})
  file(REMOVE_RECURSE ${dir})
  execute_process(COMMAND ${CMAKE_COMMAND} -S ${SRC} -B ${dir} -DCMAKE_BUILD_TYPE=Release
    -DCMAKE_C_COMPILER=${cc_path} -DTDXSIM_WERROR=ON -DTDXSIM_BUILD_TESTS=OFF
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "release build (${cc}): configure failed\n${out}")
  endif()
  execute_process(COMMAND ${CMAKE_COMMAND} --build ${dir} -j2
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "release build (${cc}) failed:\n${out}")
  endif()
  message(STATUS "release build (${cc}): library, tools, examples and benches built with -Werror")
  file(REMOVE_RECURSE ${dir})
  unset(cc_path CACHE)
endforeach()
