# CTest script: install Nuri into a scratch prefix, then against it with find_package(Nuri):
# build and run examples/consumer, examples/c and examples/cpp (C and C++ under -Wall -Wextra
# -Werror, without the consumer asking for C++20 itself), build the README's C and C++
# snippets the same way, and run examples/python and the README's Python snippet with the
# installed module.
set(root ${BUILD_DIR}/install-test)
set(prefix ${root}/prefix)
set(model ${SOURCE_DIR}/tests/data/onnx/gpt2_opset14.onnx)
file(REMOVE_RECURSE ${root})

# The ```c and ```cpp blocks of the README's library section, as a project of their own.
file(READ ${SOURCE_DIR}/README.md readme_text)
string(FIND "${readme_text}" "## Using Nuri as a library" section)
string(SUBSTRING "${readme_text}" ${section} -1 readme_text)
set(snippets ${root}/readme)
file(MAKE_DIRECTORY ${snippets})
set(targets "")
foreach(lang c cpp python)
  string(FIND "${readme_text}" "```${lang}\n" start)
  if(start EQUAL -1)
    message(FATAL_ERROR "README.md has no ```${lang} block")
  endif()
  string(LENGTH "```${lang}\n" fence)
  math(EXPR start "${start} + ${fence}")
  string(SUBSTRING "${readme_text}" ${start} -1 rest)
  string(FIND "${rest}" "```" stop)
  string(SUBSTRING "${rest}" 0 ${stop} code)
  file(WRITE ${snippets}/snippet.${lang} "${code}")
  if(lang STREQUAL "python")
    break()
  endif()
  string(APPEND targets "add_executable(readme_${lang} snippet.${lang})\n"
         "target_compile_options(readme_${lang} PRIVATE -Wall -Wextra -Werror)\n"
         "target_link_libraries(readme_${lang} PRIVATE Nuri::nuri)\n")
endforeach()
file(WRITE ${snippets}/CMakeLists.txt
     "cmake_minimum_required(VERSION 3.25)\nproject(readme LANGUAGES C CXX)\n"
     "find_package(Nuri REQUIRED)\n${targets}")

function(step)
  string(REPLACE ";" " " shown "${ARGN}")
  execute_process(COMMAND ${ARGN} WORKING_DIRECTORY ${SOURCE_DIR} RESULT_VARIABLE rc
                  OUTPUT_VARIABLE out ERROR_VARIABLE out)
  message("$ ${shown}\n${out}")
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "install test step failed (${rc}): ${shown}")
  endif()
endfunction()

step(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
foreach(project consumer c cpp readme)
  set(src ${SOURCE_DIR}/examples/${project})
  if(project STREQUAL readme)
    set(src ${snippets})
  endif()
  step(${CMAKE_COMMAND} -S ${src} -B ${root}/${project} -G Ninja -DCMAKE_PREFIX_PATH=${prefix})
  step(${CMAKE_COMMAND} --build ${root}/${project})
endforeach()
step(${root}/consumer/consumer_c)
step(${root}/consumer/consumer_cpp)
foreach(program c/nuri_example_c cpp/nuri_example_cpp readme/readme_c readme/readme_cpp)
  step(${root}/${program} ${model})
endforeach()
foreach(script ${SOURCE_DIR}/examples/python/run_model.py ${snippets}/snippet.python)
  step(${CMAKE_COMMAND} -E env PYTHONPATH=${prefix}/lib/python3/dist-packages ${PYTHON_ENV}
       /usr/bin/python3 ${script} ${model})
endforeach()
