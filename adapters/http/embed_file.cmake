# Writes a C++ source defining gongkai::http::openapi_document() from a text file.
#   cmake -DINPUT=docs/openapi.json -DOUTPUT=openapi_document.cpp -P embed_file.cmake
file(READ "${INPUT}" text)
string(FIND "${text}" ")gongkai_embed\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${INPUT} contains the raw-string delimiter")
endif()
file(WRITE "${OUTPUT}.tmp" "// Generated from ${INPUT} by adapters/http/embed_file.cmake; do not edit.\n"
  "#include \"adapters/http/openapi_document.h\"\n\n"
  "namespace gongkai::http {\n\n"
  "const char* openapi_document() noexcept {\n"
  "  return R\"gongkai_embed(${text})gongkai_embed\";\n"
  "}\n\n"
  "}  // namespace gongkai::http\n")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
