# Installs the runner, the shipped plugins, the public headers and a CMake
# package so that a plugin project needs only find_package(mtlab).
include(CMakePackageConfigHelpers)

install(DIRECTORY framework/include/ storage/include/ DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
install(FILES "${CMAKE_BINARY_DIR}/generated/mtlab/build_info.h" DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/mtlab")
install(EXPORT mtlabTargets NAMESPACE mtlab:: DESTINATION "${CMAKE_INSTALL_LIBDIR}/cmake/mtlab")

configure_package_config_file(cmake/mtlabConfig.cmake.in
  "${CMAKE_BINARY_DIR}/mtlabConfig.cmake"
  INSTALL_DESTINATION "${CMAKE_INSTALL_LIBDIR}/cmake/mtlab")
write_basic_package_version_file("${CMAKE_BINARY_DIR}/mtlabConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion)
install(FILES
  "${CMAKE_BINARY_DIR}/mtlabConfig.cmake"
  "${CMAKE_BINARY_DIR}/mtlabConfigVersion.cmake"
  cmake/mtlab_plugin.cmake
  DESTINATION "${CMAKE_INSTALL_LIBDIR}/cmake/mtlab")

# The build tree is a package too: find_package(mtlab) with
# mtlab_DIR=<build>/package works without installing.
export(EXPORT mtlabTargets NAMESPACE mtlab:: FILE "${CMAKE_BINARY_DIR}/package/mtlabTargets.cmake")
set(MTLAB_PACKAGE_BUILD_TREE ON)
configure_file(cmake/mtlabConfig.build.cmake.in "${CMAKE_BINARY_DIR}/package/mtlabConfig.cmake" @ONLY)
configure_file(cmake/mtlab_plugin.cmake "${CMAKE_BINARY_DIR}/package/mtlab_plugin.cmake" COPYONLY)
file(COPY "${CMAKE_BINARY_DIR}/mtlabConfigVersion.cmake" DESTINATION "${CMAKE_BINARY_DIR}/package")
