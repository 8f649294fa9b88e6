# SPDX-License-Identifier: MIT
# tests/test_threads.c once more under ThreadSanitizer, so that every ctest run (CI's ASan build
# included) races the library's threads with a race detector. TSan cannot share a binary with
# ASan, so the library's sources are compiled again here without the directory's sanitizer
# options; the test links nothing else of ours.
include(CheckCSourceCompiles)
set(CMAKE_REQUIRED_FLAGS -fsanitize=thread)
set(CMAKE_REQUIRED_LINK_OPTIONS -fsanitize=thread)
check_c_source_compiles("int main(void) { return 0; }" TDXSIM_HAVE_TSAN)
unset(CMAKE_REQUIRED_FLAGS)
unset(CMAKE_REQUIRED_LINK_OPTIONS)
if(NOT TDXSIM_HAVE_TSAN)
  message(STATUS "tdxsim: no ThreadSanitizer runtime; test_threads_tsan is not built")
  return()
endif()

set(tsan_srcs)
foreach(folder ${TDXSIM_SRC_FOLDERS})
  file(GLOB_RECURSE srcs CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/${folder}/*.c)
  list(APPEND tsan_srcs ${srcs})
endforeach()
add_library(tdxsim_tsan STATIC ${tsan_srcs})
target_include_directories(tdxsim_tsan PRIVATE ${PROJECT_SOURCE_DIR}/src
  PUBLIC ${PROJECT_SOURCE_DIR}/include ${TDXSIM_GEN_INCLUDE})
add_dependencies(tdxsim_tsan tdxsim_abi_header)
target_link_libraries(tdxsim_tsan PUBLIC Threads::Threads OpenSSL::Crypto)
add_executable(test_threads_tsan ${CMAKE_CURRENT_SOURCE_DIR}/test_threads.c)
target_link_libraries(test_threads_tsan PRIVATE tdxsim_tsan PkgConfig::CMOCKA)
foreach(t tdxsim_tsan test_threads_tsan)
  set_target_properties(${t} PROPERTIES COMPILE_OPTIONS "" LINK_OPTIONS "")
  target_compile_options(${t} PRIVATE -fsanitize=thread -fno-omit-frame-pointer -Wall -Wextra
    -Wno-unused-parameter)
  target_link_options(${t} PRIVATE -fsanitize=thread)
endforeach()
add_test(NAME test_threads_tsan COMMAND test_threads_tsan)
# Any report fails the run (TSan's exit code), not only a failed assertion.
set_tests_properties(test_threads_tsan PROPERTIES
  ENVIRONMENT "TSAN_OPTIONS=halt_on_error=1 exitcode=66;CMOCKA_MESSAGE_OUTPUT=stdout")
