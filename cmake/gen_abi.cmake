# SPDX-License-Identifier: MIT
# Generates include/tdxsim/abi_constants.h (in the build tree) from the .def tables, so that the
# constants, the names printed by tdxsim_status_name() and the docs all come from one source.
# Usage: cmake -DDEFS_DIR=... -DOUT=... -P gen_abi.cmake
set(out "/* Generated from the .def tables in include/tdxsim/defs by cmake/gen_abi.cmake. Do not edit. */\n")
string(APPEND out "#ifndef TDXSIM_ABI_CONSTANTS_H\n#define TDXSIM_ABI_CONSTANTS_H\n#include <stdint.h>\n\n")
foreach(spec "leaves;TDXSIM_LEAF;TDXSIM_;UINT32_C"
             "statuses;TDXSIM_STATUS;TDXSIM_;UINT64_C"
             "fields;TDXSIM_FIELD;TDXSIM_MD_;UINT64_C"
             "msrs;TDXSIM_MSR;TDXSIM_MSR_;UINT32_C"
             "operands;TDXSIM_OPERAND;TDXSIM_OPERAND_;UINT64_C")
  list(GET spec 0 file)
  list(GET spec 1 macro)
  list(GET spec 2 prefix)
  list(GET spec 3 ctor)
  file(STRINGS "${DEFS_DIR}/${file}.def" lines REGEX "^${macro}\\(")
  string(APPEND out "/* ${file}.def */\n")
  foreach(line IN LISTS lines)
    string(REGEX MATCH "^${macro}\\(([A-Za-z0-9_]+), *([0-9A-Fa-fx]+)" m "${line}")
    if(NOT m)
      message(FATAL_ERROR "cannot parse ${file}.def line: ${line}")
    endif()
    string(APPEND out "#define ${prefix}${CMAKE_MATCH_1} ${ctor}(${CMAKE_MATCH_2})\n")
  endforeach()
  string(APPEND out "\n")
endforeach()
string(APPEND out "#endif\n")
if(EXISTS "${OUT}")
  file(READ "${OUT}" old)
else()
  set(old "")
endif()
if(NOT old STREQUAL out)
  file(WRITE "${OUT}" "${out}")
endif()
