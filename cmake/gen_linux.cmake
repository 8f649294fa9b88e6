# SPDX-License-Identifier: MIT
# Generates include/tdxsim/linux_names.h (in the build tree) from the .def tables: Linux's
# unprefixed names (TDH_SYS_INIT, TDX_OPERAND_BUSY, TDX_OPERAND_ID_RCX...) defined as the
# TDXSIM_ constants of abi_constants.h, so the values keep one source. Only tdxsim/linux.h
# includes it (docs/linux-compat.md). Each name is guarded with #ifndef so that a definition the
# host code already made wins.
# Linux names leaves and statuses as the spec does (sheet sections 1.4, 2.1, 3.2); P-SEAMLDR
# statuses have no TDX_ name and are left out.
# Usage: cmake -DDEFS_DIR=... -DOUT=... -P gen_linux.cmake
set(out "/* Generated from the .def tables in include/tdxsim/defs by cmake/gen_linux.cmake. Do not edit. */\n")
string(APPEND out "#ifndef TDXSIM_LINUX_NAMES_H\n#define TDXSIM_LINUX_NAMES_H\n")
string(APPEND out "#include \"tdxsim/abi_constants.h\"\n\n")
# file; row macro; Linux prefix ("-" for none); tdxsim prefix; names that qualify
foreach(spec "leaves;TDXSIM_LEAF;-;TDXSIM_;^TDH_"
             "statuses;TDXSIM_STATUS;-;TDXSIM_;^TDX_"
             "operands;TDXSIM_OPERAND;TDX_OPERAND_ID_;TDXSIM_OPERAND_;.")
  list(GET spec 0 file)
  list(GET spec 1 macro)
  list(GET spec 2 lprefix)
  list(GET spec 3 tprefix)
  list(GET spec 4 filter)
  if(lprefix STREQUAL "-")
    set(lprefix "")
  endif()
  file(STRINGS "${DEFS_DIR}/${file}.def" lines REGEX "^${macro}\\(")
  string(APPEND out "/* ${file}.def */\n")
  foreach(line IN LISTS lines)
    string(REGEX MATCH "^${macro}\\(([A-Za-z0-9_]+)," m "${line}")
    if(NOT m)
      message(FATAL_ERROR "cannot parse ${file}.def line: ${line}")
    endif()
    set(name "${CMAKE_MATCH_1}")
    if(NOT name MATCHES "${filter}")
      continue()
    endif()
    string(APPEND out "#ifndef ${lprefix}${name}\n#define ${lprefix}${name} ${tprefix}${name}\n#endif\n")
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
