# Writes OUTPUT: a C++ file defining nuri::kernels::opencl_program_source() as the
# concatenation of SOURCES (';'-separated .cl files, in order), so the library carries its
# kernels and needs no files at run time. Run with cmake -P at build time.
set(body "")
foreach(src ${SOURCES})
  file(READ ${src} text)
  get_filename_component(name ${src} NAME)
  string(APPEND body "// ---- ${name} ----\n${text}\n")
endforeach()
file(WRITE ${OUTPUT}.tmp
  "// Generated from kernels/opencl/*.cl by embed_sources.cmake; do not edit.\n"
  "#include \"kernels/opencl/opencl_sources.h\"\n\n"
  "namespace nuri::kernels {\n\n"
  "std::string_view opencl_program_source() {\n"
  "  static const char text[] = R\"nuri_cl(${body})nuri_cl\";\n"
  "  return {text, sizeof(text) - 1};\n"
  "}\n\n"
  "}  // namespace nuri::kernels\n")
file(COPY_FILE ${OUTPUT}.tmp ${OUTPUT} ONLY_IF_DIFFERENT)
