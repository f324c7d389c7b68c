# libnuri.so (the C API with every built-in device inside), the nuri CLI, the public headers,
# and a CMake package so another project can find_package(Nuri) and link Nuri::nuri.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

add_library(nuri_lib SHARED ${PROJECT_SOURCE_DIR}/runtime/c_api.cpp)
target_link_libraries(nuri_lib PRIVATE nuri_runtime)
target_include_directories(nuri_lib INTERFACE $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
# nuri.hpp uses std::span: a consumer gets C++20 from the target, whatever it sets itself.
target_compile_features(nuri_lib INTERFACE cxx_std_20)
set_target_properties(nuri_lib PROPERTIES OUTPUT_NAME nuri EXPORT_NAME nuri
                      VERSION ${PROJECT_VERSION} SOVERSION ${PROJECT_VERSION_MAJOR})

install(TARGETS nuri_lib EXPORT NuriTargets LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS nuri RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/nuri DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT NuriTargets NAMESPACE Nuri:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/Nuri)
file(WRITE ${PROJECT_BINARY_DIR}/NuriConfig.cmake
     "include(\"\${CMAKE_CURRENT_LIST_DIR}/NuriTargets.cmake\")\n")
write_basic_package_version_file(${PROJECT_BINARY_DIR}/NuriConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/NuriConfig.cmake ${PROJECT_BINARY_DIR}/NuriConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/Nuri)
# A sanitized libnuri needs the sanitizer runtimes in whatever links it.
if(NURI_ASAN)
  target_link_options(nuri_lib INTERFACE -fsanitize=address,undefined)
endif()
