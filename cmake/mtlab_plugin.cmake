# mtlab_add_plugin(<name> SOURCES <src>... [LIBRARIES <lib>...])
#
# Builds a plugin: a MODULE library linked against mtlab::framework, named
# mtlab_<name>.so. Used for the shipped plugins and, through the installed
# CMake package (find_package(mtlab)), for plugins built out of tree.
function(mtlab_add_plugin name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBRARIES" ${ARGN})
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "mtlab_add_plugin(${name}): SOURCES is required")
  endif()
  add_library(${name} MODULE ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE mtlab::framework ${ARG_LIBRARIES})
  set_target_properties(${name} PROPERTIES PREFIX "" OUTPUT_NAME "mtlab_${name}")
  if(MTLAB_IN_TREE)
    set_target_properties(${name} PROPERTIES
      LIBRARY_OUTPUT_DIRECTORY "${MTLAB_PLUGIN_OUTPUT_DIR}"
      INSTALL_RPATH "$ORIGIN/../..")
    mtlab_use_torch_pch(${name})
    install(TARGETS ${name} LIBRARY DESTINATION "${MTLAB_PLUGIN_INSTALL_DIR}" COMPONENT plugins)
    set_property(GLOBAL APPEND PROPERTY MTLAB_SHIPPED_PLUGINS ${name})  # (the mtlab_app target)
  endif()
endfunction()
