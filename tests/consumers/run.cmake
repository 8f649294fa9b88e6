# SPDX-License-Identifier: MIT
# ctest's view of `cmake --install` (tests/CMakeLists.txt), in one of three steps:
#   STEP=install      install BUILD into PREFIX (a scratch prefix) and check the tree's contents
#   STEP=find_package build consumer.c with find_package(tdxsim CONFIG) against PREFIX, run it
#                     linked to tdxsim::tdxsim and to tdxsim::tdxsim_static
#   STEP=pkg_config   build consumer.c with `pkg-config --cflags --libs tdxsim` against PREFIX,
#                     shared, and static through `pkg-config --static` (Requires.private), run it
#   STEP=subdirectory build consumer.c in a project that add_subdirectory()s the source tree
# CC and CFLAGS are the compiler and flags the library was built with (a sanitizer build needs
# its consumers built the same way). WORK is a scratch directory.
cmake_minimum_required(VERSION 3.20)

function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  message(STATUS "${what}:\n${out}${err}")
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (exit ${rc}): ${ARGN}")
  endif()
  set(out "${out}" PARENT_SCOPE)
endfunction()

if(STEP STREQUAL "install")
  file(REMOVE_RECURSE ${PREFIX})
  run("cmake --install" ${CMAKE_COMMAND} --install ${BUILD} --prefix ${PREFIX})
  foreach(f lib/libtdxsim.a lib/libtdxsim.so lib/libtdxsim.so.0 include/tdxsim/tdxsim.h
      include/tdxsim/platform.h include/tdxsim/abi_constants.h include/tdxsim/version.h
      bin/tdxsim-run share/doc/tdxsim/LICENSE lib/cmake/tdxsim/tdxsimConfig.cmake
      lib/cmake/tdxsim/tdxsimConfigVersion.cmake lib/pkgconfig/tdxsim.pc)
    if(NOT EXISTS ${PREFIX}/${f})
      message(FATAL_ERROR "the installed tree lacks ${f}")
    endif()
  endforeach()
  # Every man page of docs/man, in its section.
  file(GLOB pages ${SRC}/docs/man/*.1 ${SRC}/docs/man/*.3)
  foreach(page ${pages})
    get_filename_component(name ${page} NAME)
    string(REGEX REPLACE ".*\\." "" section ${name})
    if(NOT EXISTS ${PREFIX}/share/man/man${section}/${name})
      message(FATAL_ERROR "the installed tree lacks share/man/man${section}/${name}")
    endif()
  endforeach()
  # The installed headers must not point back into the source or build tree.
  file(GLOB_RECURSE installed ${PREFIX}/include/* ${PREFIX}/lib/cmake/* ${PREFIX}/lib/pkgconfig/*)
  foreach(f ${installed})
    file(READ ${f} text)
    foreach(tree ${SRC} ${BUILD})
      string(FIND "${text}" "${tree}" at)
      if(NOT at EQUAL -1)
        message(FATAL_ERROR "${f} names ${tree}: the installed tree depends on the build")
      endif()
    endforeach()
  endforeach()
  file(READ_SYMLINK ${PREFIX}/lib/libtdxsim.so.0 target)
  message(STATUS "libtdxsim.so.0 -> ${target}")
elseif(STEP STREQUAL "find_package")
  file(REMOVE_RECURSE ${WORK})
  run("configure the consumer" ${CMAKE_COMMAND} -S ${SRC}/tests/consumers/cmake -B ${WORK}
    -DCMAKE_PREFIX_PATH=${PREFIX} -DCMAKE_C_COMPILER=${CC} "-DCMAKE_C_FLAGS=${CFLAGS}"
    "-DCMAKE_EXE_LINKER_FLAGS=${CFLAGS}")
  run("build the consumer" ${CMAKE_COMMAND} --build ${WORK})
  run("consumer linked to tdxsim::tdxsim" ${WORK}/consumer_tdxsim)
  run("consumer linked to tdxsim::tdxsim_static" ${WORK}/consumer_tdxsim_static)
  # The shared one really uses the installed libtdxsim.so.0.
  run("ldd" ldd ${WORK}/consumer_tdxsim)
  if(NOT out MATCHES "libtdxsim\\.so\\.0 => ${PREFIX}/lib/libtdxsim\\.so\\.0")
    message(FATAL_ERROR "consumer_tdxsim does not load ${PREFIX}/lib/libtdxsim.so.0")
  endif()
elseif(STEP STREQUAL "pkg_config")
  file(REMOVE_RECURSE ${WORK})
  file(MAKE_DIRECTORY ${WORK})
  set(ENV{PKG_CONFIG_PATH} ${PREFIX}/lib/pkgconfig)
  find_program(PKG_CONFIG NAMES pkg-config pkgconf REQUIRED)
  macro(pc var)
    execute_process(COMMAND ${PKG_CONFIG} ${ARGN} tdxsim OUTPUT_VARIABLE ${var} RESULT_VARIABLE rc
      OUTPUT_STRIP_TRAILING_WHITESPACE)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "pkg-config ${ARGN} tdxsim failed")
    endif()
    separate_arguments(${var} UNIX_COMMAND "${${var}}")
  endmacro()
  pc(cflags --cflags)
  pc(libs --libs)
  pc(static_libs --static --libs)
  if(NOT static_libs MATCHES "-lcrypto")
    message(FATAL_ERROR "pkg-config --static --libs tdxsim lacks libcrypto (Requires.private)")
  endif()
  separate_arguments(flags UNIX_COMMAND "${CFLAGS}")
  set(source ${SRC}/tests/consumers/consumer.c)
  run("cc consumer.c $(pkg-config --cflags --libs tdxsim)"
    ${CC} ${flags} ${cflags} ${source} -o ${WORK}/consumer_shared ${libs})
  run("consumer, shared" ${CMAKE_COMMAND} -E env LD_LIBRARY_PATH=${PREFIX}/lib ${WORK}/consumer_shared)
  # Static: the same flags, but libtdxsim.a instead of the .so (which -ltdxsim would prefer).
  list(TRANSFORM static_libs REPLACE "^-ltdxsim$" "-l:libtdxsim.a")
  run("cc consumer.c $(pkg-config --cflags --static --libs tdxsim), libtdxsim.a"
    ${CC} ${flags} ${cflags} ${source} -o ${WORK}/consumer_static ${static_libs})
  run("consumer, static" ${WORK}/consumer_static)
  run("ldd" ldd ${WORK}/consumer_static)
  if(out MATCHES "libtdxsim")
    message(FATAL_ERROR "consumer_static loads a shared libtdxsim")
  endif()
elseif(STEP STREQUAL "subdirectory")
  # No install: the outside project builds tdxsim itself (add_subdirectory, as FetchContent
  # does) and must get the same targets; tdxsim's tests and tools stay out of its build.
  file(REMOVE_RECURSE ${WORK})
  run("configure the consumer" ${CMAKE_COMMAND} -S ${SRC}/tests/consumers/subdir -B ${WORK}
    -DTDXSIM_SOURCE=${SRC} -DCMAKE_C_COMPILER=${CC} "-DCMAKE_C_FLAGS=${CFLAGS}"
    "-DCMAKE_EXE_LINKER_FLAGS=${CFLAGS}" "-DCMAKE_SHARED_LINKER_FLAGS=${CFLAGS}")
  run("build the consumer" ${CMAKE_COMMAND} --build ${WORK} -j2)
  run("consumer linked to tdxsim::tdxsim" ${WORK}/consumer_tdxsim)
  run("consumer linked to tdxsim::tdxsim_static" ${WORK}/consumer_tdxsim_static)
  foreach(absent tdxsim/tools tdxsim/tests tdxsim/examples)
    if(EXISTS ${WORK}/${absent})
      message(FATAL_ERROR "built as a subproject, tdxsim still entered ${absent}")
    endif()
  endforeach()
else()
  message(FATAL_ERROR "run.cmake: unknown STEP '${STEP}'")
endif()
