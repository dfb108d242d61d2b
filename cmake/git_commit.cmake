# Writes OUTPUT, a header defining TABRL_GIT_COMMIT (the commit a sweep's manifest.json records),
# from the git checkout at SOURCE_DIR: the short hash, "+dirty" when tracked files differ from it,
# "unknown" outside a checkout. Run at every build (experiments/CMakeLists.txt), it rewrites the
# header only when the text changes, so that only its one user recompiles, and only then.
execute_process(COMMAND git rev-parse --short=12 HEAD WORKING_DIRECTORY "${SOURCE_DIR}"
                OUTPUT_VARIABLE commit OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET
                RESULT_VARIABLE result)
if(NOT result EQUAL 0 OR commit STREQUAL "")
  set(commit "unknown")
else()
  execute_process(COMMAND git diff --quiet HEAD -- WORKING_DIRECTORY "${SOURCE_DIR}"
                  RESULT_VARIABLE dirty ERROR_QUIET)
  if(dirty EQUAL 1)
    set(commit "${commit}+dirty")
  endif()
endif()
set(content "#define TABRL_GIT_COMMIT \"${commit}\"\n")
set(old "")
if(EXISTS "${OUTPUT}")
  file(READ "${OUTPUT}" old)
endif()
if(NOT content STREQUAL old)
  file(WRITE "${OUTPUT}" "${content}")
endif()
