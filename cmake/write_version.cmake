# Writes OUT (generated/version_hash.cpp): the commit the binary is built from, "-dirty" when
# tracked files differ from it. Runs at every build; the file is rewritten only when the text
# changes, so an unchanged commit rebuilds nothing.
execute_process(COMMAND git rev-parse --short=10 HEAD WORKING_DIRECTORY ${ROOT}
                OUTPUT_VARIABLE hash OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT hash)
  set(hash "unknown")
else()
  execute_process(COMMAND git status --porcelain --untracked-files=no WORKING_DIRECTORY ${ROOT}
                  OUTPUT_VARIABLE changes OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(changes)
    set(hash "${hash}-dirty")
  endif()
endif()
set(text "// Generated at build time by cmake/write_version.cmake.\n#include \"version.hpp\"\n\nnamespace chimera {\n\nconst char* git_hash() { return \"${hash}\"; }\n\n}  // namespace chimera\n")
if(EXISTS ${OUT})
  file(READ ${OUT} old)
endif()
if(NOT old STREQUAL text)
  file(WRITE ${OUT} "${text}")
endif()
