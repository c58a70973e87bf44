# Turns src/storage/migrations/<folder>/NNNN_name.sql into a C++ table of migrations. The folders
# are sqlite/, postgres/ and common/ (both dialects; a dialect folder's file wins for its version).
file(GLOB dialect_dirs LIST_DIRECTORIES true ${MIGRATIONS_DIR}/*)
set(body "")
foreach(dir IN LISTS dialect_dirs)
  if(NOT IS_DIRECTORY ${dir})
    continue()
  endif()
  get_filename_component(dialect ${dir} NAME)
  file(GLOB files ${dir}/*.sql)
  list(SORT files)
  foreach(path IN LISTS files)
    get_filename_component(fname ${path} NAME_WE)
    string(REGEX MATCH "^([0-9]+)_(.+)$" _ ${fname})
    if(NOT CMAKE_MATCH_1)
      message(FATAL_ERROR "migration file name must be NNNN_name.sql: ${path}")
    endif()
    math(EXPR version "${CMAKE_MATCH_1}")
    file(READ ${path} sql)
    string(APPEND body "    {\"${dialect}\", ${version}, \"${CMAKE_MATCH_2}\", R\"shopdsql(${sql})shopdsql\"},\n")
  endforeach()
endforeach()
file(WRITE ${OUTPUT}.tmp "// Generated from src/storage/migrations by cmake/embed_migrations.cmake. Do not edit.
#include \"storage/embedded_migrations.hpp\"

namespace shop::storage {

std::span<const EmbeddedMigration> embedded_migrations() {
  static const EmbeddedMigration kAll[] = {
${body}  };
  return kAll;
}

}  // namespace shop::storage
")
file(COPY_FILE ${OUTPUT}.tmp ${OUTPUT} ONLY_IF_DIFFERENT)
