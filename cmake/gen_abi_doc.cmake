# SPDX-License-Identifier: MIT
# Writes docs/abi-constants.md from the .def tables (the same source as the constants and the
# names). Usage: cmake -DDEFS_DIR=... -DOUT=... [-DCHECK=ON] -P gen_abi_doc.cmake
# With CHECK=ON it fails if OUT differs from what it would write (a ctest keeps the doc current).
set(out "<!-- Generated from include/tdxsim/defs by cmake/gen_abi_doc.cmake: do not edit. -->\n")
string(APPEND out "# ABI constants\n\nEvery constant below is defined in `tdxsim/abi_constants.h` (generated) ")
string(APPEND out "with the prefix shown; `tdxsim_status_name()`, `tdxsim_leaf_name()`, `tdxsim_field_name()` ")
string(APPEND out "and `tdxsim_msr_name()` print the same names. Sources: ../shared/reference/tdx-module-abi.md ")
string(APPEND out "sections 2.1 (leaves), 3 (statuses, operand ids), 4.2 (fields), 9 (MSRs).\n")
foreach(spec "leaves;TDXSIM_LEAF;Leaves;TDXSIM_;number"
             "statuses;TDXSIM_STATUS;Statuses;TDXSIM_;value"
             "operands;TDXSIM_OPERAND;Operand ids;TDXSIM_OPERAND_;id"
             "fields;TDXSIM_FIELD;Global metadata fields;TDXSIM_MD_;field id (element 0)"
             "msrs;TDXSIM_MSR;MSRs;TDXSIM_MSR_;address")
  list(GET spec 0 file)
  list(GET spec 1 macro)
  list(GET spec 2 title)
  list(GET spec 3 prefix)
  list(GET spec 4 col)
  file(STRINGS "${DEFS_DIR}/${file}.def" lines REGEX "^${macro}\\(")
  string(APPEND out "\n## ${title}\n\n| constant | ${col} | extra |\n|---|---|---|\n")
  foreach(line IN LISTS lines)
    string(REGEX MATCH "^${macro}\\(([A-Za-z0-9_]+), *([0-9A-Fa-fx]+)(, *(.*))?\\)" m "${line}")
    string(STRIP "${CMAKE_MATCH_4}" extra)
    string(APPEND out "| `${prefix}${CMAKE_MATCH_1}` | `${CMAKE_MATCH_2}` | ${extra} |\n")
  endforeach()
endforeach()
if(CHECK)
  file(READ "${OUT}" old)
  if(NOT old STREQUAL out)
    message(FATAL_ERROR "${OUT} is out of date: run cmake --build <dir> --target abi-doc")
  endif()
else()
  file(WRITE "${OUT}" "${out}")
endif()
