# SPDX-License-Identifier: MIT
# Fails if the archive LIB defines a global symbol without the tdxsim_ prefix: the scenario
# library is linked into users' programs beside their own code, which may define scn_* or
# parse_* names itself (issue 11, section 1). ASan's per-global "__odr_asan." twins are judged
# by the name they mirror.
execute_process(COMMAND ${NM} -g --defined-only ${LIB} OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${NM} failed on ${LIB}")
endif()
string(REPLACE "\n" ";" lines "${out}")
set(bad)
set(count 0)
foreach(line ${lines})
  # "ADDRESS TYPE NAME" rows; member headers ("file.o:") and blank lines are skipped.
  if(line MATCHES "^[0-9a-fA-F]+ [A-Za-z] (.+)$")
    set(name ${CMAKE_MATCH_1})
    string(REGEX REPLACE "^__odr_asan\\." "" name "${name}")
    math(EXPR count "${count} + 1")
    if(NOT name MATCHES "^tdxsim_")
      list(APPEND bad ${name})
    endif()
  endif()
endforeach()
if(count EQUAL 0)
  message(FATAL_ERROR "no global symbols found in ${LIB}")
endif()
if(bad)
  list(JOIN bad " " bad)
  message(FATAL_ERROR "global symbols without the tdxsim_ prefix in ${LIB}: ${bad}")
endif()
message(STATUS "${count} global symbols, all tdxsim_-prefixed")
