# Fails when a test case name cannot be run by ctest: doctest_discover_tests splits the list of
# names at ';', so such a test would silently select nothing and "pass".
execute_process(COMMAND ${TEST_BINARY} --list-test-cases OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${TEST_BINARY} --list-test-cases failed")
endif()
string(FIND "${out}" ";" semicolon)
if(NOT semicolon EQUAL -1)
  message(FATAL_ERROR "a test case name in ${TEST_BINARY} contains ';': ctest cannot select it; rename it")
endif()
