# `nuri bench` as a user runs it: one op on the reference device writes JSON, CSV and SVG that
# name the case; bad flags exit with status 1 and a message naming the flag.
function(nuri_bench out_var expect_rc)
  execute_process(COMMAND ${NURI} bench ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out
                  ERROR_VARIABLE err)
  if(NOT rc EQUAL expect_rc)
    message(FATAL_ERROR "nuri bench ${ARGN}: exit ${rc}, expected ${expect_rc}\n${out}\n${err}")
  endif()
  set(${out_var} "${out}${err}" PARENT_SCOPE)
endfunction()

set(stem ${WORK}/bench_cli)
nuri_bench(out 0 --op Relu --shape 16x32 --device ref --repetitions 2 --min-time 0 --no-stream
           --json ${stem}.json --csv ${stem}.csv --roofline ${stem}.svg)
foreach(file ${stem}.json ${stem}.csv ${stem}.svg)
  file(READ ${file} text)
  string(FIND "${text}" "Relu/16x32" at)  # the SVG escapes the ">"
  if(at LESS 0)
    message(FATAL_ERROR "${file} does not name the case:\n${text}")
  endif()
endforeach()
string(FIND "${out}" "Relu/16x32->16x32" at)
if(at LESS 0)
  message(FATAL_ERROR "the table does not name the case:\n${out}")
endif()

nuri_bench(bad 1 --op Relu --shape 16y32 --device ref)
string(FIND "${bad}" "nuri: error: --shape '16y32'" at)
if(at LESS 0)
  message(FATAL_ERROR "no clear error for a bad --shape:\n${bad}")
endif()
