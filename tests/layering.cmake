# SPDX-License-Identifier: MIT
# The layer rule of docs/architecture.md ("Layers"): a src/ folder depends only on folders on
# lower lines of the list written there between <!-- layers --> and <!-- /layers -->.
#
#   cmake -DDOC=docs/architecture.md -DSRC=src [-DOBJ_ROOT=<build>/CMakeFiles -DNM=nm
#         -DOBJ_PREFIX=tdxsim_]
#         -P tests/layering.cmake
#
# Checked:
#  - every folder of SRC is placed in the list (a new folder must say where it sits);
#  - every `#include "<folder>/..."` in SRC/<f>/ names <f> itself or a folder on a lower line
#    (public headers, include/tdxsim/, are open to every folder);
#  - with OBJ_ROOT: every symbol an object of <OBJ_PREFIX><f> (the object library of src/<f>) leaves undefined and another folder's
#    objects define comes from a lower line too. This catches what includes cannot: a call to
#    a public function (declared in tdxsim/*.h) that a higher folder defines.
# Any violation fails the run with one line per offence.

if(NOT DOC OR NOT SRC)
  message(FATAL_ERROR "layering: usage: cmake -DDOC=<architecture.md> -DSRC=<src dir> -P layering.cmake")
endif()

file(READ ${DOC} doc)
string(FIND "${doc}" "<!-- layers -->" begin)
string(FIND "${doc}" "<!-- /layers -->" end)
if(begin EQUAL -1 OR end EQUAL -1 OR end LESS begin)
  message(FATAL_ERROR "layering: ${DOC} has no <!-- layers --> ... <!-- /layers --> list")
endif()
math(EXPR len "${end} - ${begin}")
string(SUBSTRING "${doc}" ${begin} ${len} block)
string(REPLACE "\n" ";" lines "${block}")
set(level 0)
set(placed)
foreach(line IN LISTS lines)
  # A list line: "<n>. folder folder ..." or "- folder ...", words in backquotes or not.
  if(NOT line MATCHES "^[ \t]*([0-9]+\\.|-)[ \t]+(.*)$")
    continue()
  endif()
  math(EXPR level "${level} + 1")
  string(REGEX REPLACE "[`,]" " " words "${CMAKE_MATCH_2}")
  string(REGEX MATCHALL "[a-z_0-9]+" words "${words}")
  foreach(w IN LISTS words)
    set(LEVEL_${w} ${level})
    list(APPEND placed ${w})
  endforeach()
endforeach()

set(errors)
file(GLOB folders LIST_DIRECTORIES true RELATIVE ${SRC} ${SRC}/*)
foreach(f IN LISTS folders)
  if(IS_DIRECTORY ${SRC}/${f} AND NOT DEFINED LEVEL_${f})
    list(APPEND errors "src/${f}/ is not placed in the layer list of ${DOC}")
  endif()
endforeach()

foreach(f IN LISTS folders)
  if(NOT DEFINED LEVEL_${f})
    continue()
  endif()
  file(GLOB_RECURSE files RELATIVE ${SRC} ${SRC}/${f}/*.c ${SRC}/${f}/*.h ${SRC}/${f}/*.def)
  foreach(file IN LISTS files)
    file(STRINGS ${SRC}/${file} incs REGEX "^[ \t]*#[ \t]*include[ \t]*\"[a-z_0-9]+/")
    foreach(inc IN LISTS incs)
      string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*\"([a-z_0-9]+)/.*$" "\\1" dir "${inc}")
      if(dir STREQUAL f OR dir STREQUAL "tdxsim")
        continue()
      endif()
      if(NOT DEFINED LEVEL_${dir})
        list(APPEND errors "src/${file} includes ${dir}/, which is no folder of the layer list")
      elseif(NOT LEVEL_${dir} LESS LEVEL_${f})
        list(APPEND errors "src/${file} includes ${dir}/ (layer ${LEVEL_${dir}}), not below ${f}/ (layer ${LEVEL_${f}})")
      endif()
    endforeach()
  endforeach()
endforeach()

# Symbols: which folder defines each global symbol, then who uses it.
if(OBJ_ROOT)
  if(NOT NM)
    set(NM nm)
  endif()
  if(NOT DEFINED OBJ_PREFIX)
    set(OBJ_PREFIX tdxsim_)
  endif()
  set(objfolders)
  foreach(f IN LISTS placed)
    file(GLOB_RECURSE objs ${OBJ_ROOT}/${OBJ_PREFIX}${f}.dir/*.o)
    if(NOT objs)
      continue()
    endif()
    list(APPEND objfolders ${f})
    set(OBJS_${f} ${objs})
    execute_process(COMMAND ${NM} --defined-only -g ${objs} OUTPUT_VARIABLE out RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "layering: ${NM} failed on ${OBJ_PREFIX}${f}")
    endif()
    string(REGEX MATCHALL "[0-9a-fA-F]+ [A-Z] [A-Za-z_][A-Za-z_0-9.]*" defs "${out}")
    foreach(d IN LISTS defs)
      string(REGEX REPLACE "^.* " "" sym "${d}")
      set(DEF_${sym} ${f})
    endforeach()
  endforeach()
  if(NOT objfolders)
    message(FATAL_ERROR "layering: no objects under ${OBJ_ROOT}/${OBJ_PREFIX}*.dir (build first)")
  endif()
  foreach(f IN LISTS objfolders)
    execute_process(COMMAND ${NM} -u ${OBJS_${f}} OUTPUT_VARIABLE out)
    string(REGEX MATCHALL " U [A-Za-z_][A-Za-z_0-9.]*" undefs "${out}")
    list(REMOVE_DUPLICATES undefs)
    foreach(u IN LISTS undefs)
      string(REGEX REPLACE "^ U " "" sym "${u}")
      if(DEFINED DEF_${sym} AND NOT DEF_${sym} STREQUAL f AND NOT LEVEL_${DEF_${sym}} LESS LEVEL_${f})
        list(APPEND errors
          "src/${f}/ uses ${sym}, defined in ${DEF_${sym}}/ (layer ${LEVEL_${DEF_${sym}}}), not below ${f}/ (layer ${LEVEL_${f}})")
      endif()
    endforeach()
  endforeach()
endif()

if(errors)
  list(JOIN errors "\n  " text)
  message(FATAL_ERROR "layering: upward or sideways dependencies (docs/architecture.md, Layers):\n  ${text}")
endif()
list(LENGTH placed n)
message(STATUS "layering: ${n} folders, every dependency points downward")
