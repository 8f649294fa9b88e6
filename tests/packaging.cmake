# SPDX-License-Identifier: MIT
# Packaging tests (included by tests/CMakeLists.txt).

# libtdxsim.so exports every function the public headers declare: a program linked against the
# shared library parses the headers that are installed and looks each function up (shared/).
add_executable(test_shared_exports shared/exports.c)
target_link_libraries(test_shared_exports PRIVATE tdxsim_shared PkgConfig::CMOCKA ${CMAKE_DL_LIBS})
add_test(NAME test_shared_exports COMMAND test_shared_exports ${TDXSIM_PUBLIC_HEADERS})
set_tests_properties(test_shared_exports PROPERTIES ENVIRONMENT "CMOCKA_MESSAGE_OUTPUT=stdout")

# The version: header macros, tdxsim_version() and project(VERSION) agree.
target_compile_definitions(test_version PRIVATE TDXSIM_TEST_PROJECT_VERSION="${PROJECT_VERSION}")

# Outside consumers of an installed tree (consumers/run.cmake): `cmake --install` into a
# scratch prefix, then one program built with find_package(tdxsim CONFIG) and one with
# pkg-config, each run against the shared and the static library.
set(consumer_flags "")
if(TDXSIM_SANITIZE)
  # A sanitized library needs sanitized programs (the runtime must be loaded first).
  set(consumer_flags "-fsanitize=address,undefined")
endif()
if(TDXSIM_INSTALL)
  set(prefix ${CMAKE_CURRENT_BINARY_DIR}/install-prefix)
  set(args -DSRC=${PROJECT_SOURCE_DIR} -DBUILD=${PROJECT_BINARY_DIR} -DPREFIX=${prefix}
    -DCC=${CMAKE_C_COMPILER} "-DCFLAGS=${consumer_flags}")
  add_test(NAME install_tree COMMAND ${CMAKE_COMMAND} ${args} -DSTEP=install
    -P ${CMAKE_CURRENT_SOURCE_DIR}/consumers/run.cmake)
  set_tests_properties(install_tree PROPERTIES FIXTURES_SETUP tdxsim_installed)
  foreach(step find_package pkg_config)
    add_test(NAME consumer_${step} COMMAND ${CMAKE_COMMAND} ${args} -DSTEP=${step}
      -DWORK=${CMAKE_CURRENT_BINARY_DIR}/consumer-${step} -P ${CMAKE_CURRENT_SOURCE_DIR}/consumers/run.cmake)
    set_tests_properties(consumer_${step} PROPERTIES FIXTURES_REQUIRED tdxsim_installed)
  endforeach()
endif()
# And one that builds tdxsim inside itself with add_subdirectory() (FetchContent's way); it
# builds its own library, so it needs none of this build's sanitizer flags.
add_test(NAME consumer_subdirectory COMMAND ${CMAKE_COMMAND} -DSRC=${PROJECT_SOURCE_DIR}
  -DCC=${CMAKE_C_COMPILER} -DCFLAGS= -DSTEP=subdirectory
  -DWORK=${CMAKE_CURRENT_BINARY_DIR}/consumer-subdirectory -P ${CMAKE_CURRENT_SOURCE_DIR}/consumers/run.cmake)
set_tests_properties(consumer_subdirectory PROPERTIES TIMEOUT 600)

# Release builds with -Werror, with gcc and (if installed) clang: issue 11 section 2.
add_test(NAME release_build_werror COMMAND ${CMAKE_COMMAND} -DSRC=${PROJECT_SOURCE_DIR}
  -DWORK=${CMAKE_CURRENT_BINARY_DIR}/release-build -DCCS=gcc,clang -P ${CMAKE_CURRENT_SOURCE_DIR}/release_build.cmake)
set_tests_properties(release_build_werror PROPERTIES TIMEOUT 900 LABELS build)
