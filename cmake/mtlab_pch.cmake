# mtlab_use_torch_pch(<target>): reuse the precompiled LibTorch header
# (framework/pch, target mtlab_pch). It is compiled with -fPIC; an executable
# would get -fPIE and GCC would reject the header, so executables are compiled
# with -fPIC too (which links into a PIE all the same).
function(mtlab_use_torch_pch target)
  if(NOT MTLAB_USE_PCH)
    return()
  endif()
  get_target_property(type ${target} TYPE)
  if(type STREQUAL "EXECUTABLE")
    set_target_properties(${target} PROPERTIES POSITION_INDEPENDENT_CODE OFF)
    target_compile_options(${target} PRIVATE -fPIC)
  endif()
  target_precompile_headers(${target} REUSE_FROM mtlab_pch)
endfunction()
