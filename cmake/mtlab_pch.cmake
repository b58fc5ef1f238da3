# mtlab_use_torch_pch(<target> [ALL_SOURCES]): reuse the precompiled LibTorch
# header (framework/pch, target mtlab_pch) in those of the target's sources that
# reach <torch/torch.h>, or in all of them (ALL_SOURCES: the tests, whose files
# lean on the header coming first: Catch2's CHECK must be defined after c10's
# one-argument CHECK, which an ATen header defines, and some use tensor operators
# declared only by torch/torch.h). It is compiled with -fPIC; an executable would get -fPIE and
# GCC would reject the header, so executables are compiled with -fPIC too (which
# links into a PIE all the same).
#
# The header is 630 MB: GCC spends about 9 s of CPU loading it into every
# translation unit that uses it, more than a file that needs no LibTorch takes
# to compile, and about what one that includes only <ATen/core/Tensor.h> or
# <torch/nn/module.h> (the plugin interfaces) saves. So a source gets it only
# when it, or a header it includes by a quoted path found beside it or in the
# target's folder, includes <torch/torch.h>. Public headers never do
# (docs/architecture.md), so they are not followed.
function(_mtlab_reaches_torch file dirs out)
  get_property(known GLOBAL PROPERTY "MTLAB_REACHES_TORCH:${file}" SET)
  if(known)
    get_property(reaches GLOBAL PROPERTY "MTLAB_REACHES_TORCH:${file}")
    set(${out} ${reaches} PARENT_SCOPE)
    return()
  endif()
  set_property(GLOBAL PROPERTY "MTLAB_REACHES_TORCH:${file}" FALSE)  # ends include cycles
  set(reaches FALSE)
  file(STRINGS "${file}" includes REGEX "^[ \t]*#[ \t]*include")
  get_filename_component(here "${file}" DIRECTORY)
  foreach(line IN LISTS includes)
    if(line MATCHES "<torch/torch\\.h>")
      set(reaches TRUE)
      break()
    endif()
    if(line MATCHES "\"([^\"]+)\"")
      set(name "${CMAKE_MATCH_1}")
      foreach(dir IN ITEMS "${here}" ${dirs})
        if(EXISTS "${dir}/${name}")
          _mtlab_reaches_torch("${dir}/${name}" "${dirs}" sub)
          if(sub)
            set(reaches TRUE)
          endif()
          break()
        endif()
      endforeach()
      if(reaches)
        break()
      endif()
    endif()
  endforeach()
  set_property(GLOBAL PROPERTY "MTLAB_REACHES_TORCH:${file}" ${reaches})
  set(${out} ${reaches} PARENT_SCOPE)
endfunction()

function(mtlab_use_torch_pch target)
  cmake_parse_arguments(ARG "ALL_SOURCES" "" "" ${ARGN})
  if(NOT MTLAB_USE_PCH)
    return()
  endif()
  get_target_property(type ${target} TYPE)
  if(type STREQUAL "EXECUTABLE")
    set_target_properties(${target} PROPERTIES POSITION_INDEPENDENT_CODE OFF)
    target_compile_options(${target} PRIVATE -fPIC)
  endif()
  target_precompile_headers(${target} REUSE_FROM mtlab_pch)
  if(ARG_ALL_SOURCES)
    return()
  endif()
  get_target_property(sources ${target} SOURCES)
  get_target_property(source_dir ${target} SOURCE_DIR)
  foreach(source IN LISTS sources)
    if(NOT source MATCHES "\\.cpp$" OR source MATCHES "^\\$<")
      continue()
    endif()
    cmake_path(ABSOLUTE_PATH source BASE_DIRECTORY "${source_dir}" OUTPUT_VARIABLE path)
    _mtlab_reaches_torch("${path}" "${source_dir}" reaches)
    if(NOT reaches)
      set_source_files_properties("${path}" TARGET_DIRECTORY ${target} PROPERTIES SKIP_PRECOMPILE_HEADERS ON)
    endif()
  endforeach()
endfunction()
