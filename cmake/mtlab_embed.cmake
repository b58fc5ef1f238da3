# Text files compiled into a binary as std::string_view constants, so that
# templates and vendored scripts stay ordinary files in the repository.
#
# mtlab_embed_files(<header> <namespace> <name>=<file>...) writes <header> at
# build time (again whenever a file changes). Used by runner/ for the report page.
set(MTLAB_EMBED_SCRIPT "${CMAKE_CURRENT_LIST_DIR}/mtlab_embed_write.cmake")

function(mtlab_embed_files header namespace)
  set(files)
  set(pairs)
  foreach(pair IN LISTS ARGN)
    string(REGEX REPLACE "^[^=]*=" "" file "${pair}")
    list(APPEND files "${file}")
    list(APPEND pairs "${pair}")
  endforeach()
  string(REPLACE ";" "|" pairs "${pairs}")
  add_custom_command(OUTPUT "${header}"
    COMMAND "${CMAKE_COMMAND}" "-DHEADER=${header}" "-DNAMESPACE=${namespace}" "-DPAIRS=${pairs}"
            -P "${MTLAB_EMBED_SCRIPT}"
    DEPENDS ${files} "${MTLAB_EMBED_SCRIPT}"
    COMMENT "Embedding ${namespace} assets" VERBATIM)
endfunction()
