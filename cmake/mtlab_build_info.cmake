# Build facts baked into the binary for `mtlab --version` and every run record.
find_package(Git QUIET)
set(MTLAB_GIT_COMMIT "unknown")
if(GIT_FOUND AND EXISTS "${CMAKE_CURRENT_SOURCE_DIR}/.git")
  execute_process(COMMAND "${GIT_EXECUTABLE}" rev-parse --short=12 HEAD
    WORKING_DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}" OUTPUT_VARIABLE MTLAB_GIT_COMMIT
    OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE _git_rc)
  if(NOT _git_rc EQUAL 0)
    set(MTLAB_GIT_COMMIT "unknown")
  endif()
  # Re-run configure when HEAD moves so the commit stays true.
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/.git/HEAD")
  if(EXISTS "${CMAKE_CURRENT_SOURCE_DIR}/.git/refs/heads/main")
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/.git/refs/heads/main")
  endif()
endif()
set(MTLAB_TORCH_VERSION "${Torch_VERSION}")
configure_file("${CMAKE_CURRENT_SOURCE_DIR}/cmake/build_info.h.in"
  "${CMAKE_BINARY_DIR}/generated/mtlab/build_info.h" @ONLY)
