# generate.cmake: PROG --man > OUT, the man page a program prints from the
# tables its --help prints (run by the build, see CMakeLists.txt).
execute_process(COMMAND ${PROG} --man OUTPUT_FILE ${OUT}.tmp
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${PROG} --man failed: ${rc}")
endif()
file(RENAME ${OUT}.tmp ${OUT})
