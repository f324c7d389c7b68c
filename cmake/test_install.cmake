# CTest script: install Nuri into a scratch prefix, build examples/consumer against it with
# find_package(Nuri), and run its C and C++ programs.
set(prefix ${BUILD_DIR}/install-test/prefix)
set(consumer ${BUILD_DIR}/install-test/consumer)
file(REMOVE_RECURSE ${BUILD_DIR}/install-test)
foreach(step
    "${CMAKE_COMMAND};--install;${BUILD_DIR};--prefix;${prefix}"
    "${CMAKE_COMMAND};-S;${SOURCE_DIR}/examples/consumer;-B;${consumer};-G;Ninja;-DCMAKE_PREFIX_PATH=${prefix}"
    "${CMAKE_COMMAND};--build;${consumer}"
    "${consumer}/consumer_c"
    "${consumer}/consumer_cpp")
  execute_process(COMMAND ${step} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  message("${out}")
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "install test step failed (${rc}): ${step}")
  endif()
endforeach()
