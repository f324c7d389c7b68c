# Shared by the CLI tests: runs `nuri` as a user would, checks its exit code, and returns its
# stdout and stderr together.
function(nuri_run out_var expect_rc)
  execute_process(COMMAND ${NURI} ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL expect_rc)
    message(FATAL_ERROR "nuri ${ARGN}: exit ${rc}, expected ${expect_rc}\n${out}\n${err}")
  endif()
  set(${out_var} "${out}${err}" PARENT_SCOPE)
endfunction()
