# SPDX-License-Identifier: MIT
# `cmake --install`: libtdxsim.a and libtdxsim.so.0, the public headers (with the generated
# abi_constants.h and version.h, so an installed tree needs no build tree) and the .def tables,
# tdxsim-run, the man pages of docs/man, the LICENSE, a CMake package (find_package(tdxsim
# CONFIG)) and tdxsim.pc (pkg-config). Both package files are relocatable: the tree may be
# installed with --prefix or DESTDIR and moved afterwards. tests/consumers checks all of it.
include(CMakePackageConfigHelpers)

set(TDXSIM_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/tdxsim)

install(TARGETS tdxsim tdxsim_shared EXPORT tdxsimTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${TDXSIM_PUBLIC_HEADERS} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/tdxsim)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/tdxsim/defs DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/tdxsim
  FILES_MATCHING PATTERN "*.def")
if(TARGET tdxsim-run)
  install(TARGETS tdxsim-run RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
# Whatever man pages docs/man holds, by section.
foreach(section 1 3)
  file(GLOB pages CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/docs/man/*.${section})
  if(pages)
    install(FILES ${pages} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section})
  endif()
endforeach()
install(FILES ${PROJECT_SOURCE_DIR}/LICENSE ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})

install(EXPORT tdxsimTargets NAMESPACE tdxsim:: DESTINATION ${TDXSIM_CMAKE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/tdxsimConfig.cmake.in
  ${PROJECT_BINARY_DIR}/tdxsimConfig.cmake INSTALL_DESTINATION ${TDXSIM_CMAKE_DIR})
# Same major version = same SONAME = compatible.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/tdxsimConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/tdxsimConfig.cmake ${PROJECT_BINARY_DIR}/tdxsimConfigVersion.cmake
  DESTINATION ${TDXSIM_CMAKE_DIR})

# tdxsim.pc finds its prefix from its own place (${pcfiledir}) when the install directories are
# relative, as they are by default.
set(pcdir ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}" OR IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(TDXSIM_PC_PREFIX ${CMAKE_INSTALL_PREFIX})
  set(TDXSIM_PC_LIBDIR ${CMAKE_INSTALL_FULL_LIBDIR})
  set(TDXSIM_PC_INCLUDEDIR ${CMAKE_INSTALL_FULL_INCLUDEDIR})
else()
  file(RELATIVE_PATH up /root/${pcdir} /root)
  string(REGEX REPLACE "/$" "" up "${up}")
  set(TDXSIM_PC_PREFIX "\${pcfiledir}/${up}")
  set(TDXSIM_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
  set(TDXSIM_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/tdxsim.pc.in ${PROJECT_BINARY_DIR}/tdxsim.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/tdxsim.pc DESTINATION ${pcdir})
