# SPDX-License-Identifier: MIT
# Runs PROGRAM --help: it must exit 0 and print a usage text first ("Usage"/"usage"), instead
# of running or failing (issue 11, section 4).
execute_process(COMMAND ${PROGRAM} --help OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc
  TIMEOUT 20)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${PROGRAM} --help exited with ${rc}\n${out}${err}")
endif()
if(NOT out MATCHES "^[Uu]sage")
  message(FATAL_ERROR "${PROGRAM} --help does not start with a usage line:\n${out}")
endif()
