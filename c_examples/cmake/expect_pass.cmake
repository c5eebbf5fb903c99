# Runs one example program for CTest and passes only if it exits with 0
# AND prints a line matching EXPECT and no "FAIL". (CTest's
# PASS_REGULAR_EXPRESSION on its own ignores the exit code.)
#
#   cmake -DPROGRAM=<path> -DARGS="<space-separated arguments>"
#         -DEXPECT=<regex> -P expect_pass.cmake
separate_arguments(_args UNIX_COMMAND "${ARGS}")
execute_process(COMMAND "${PROGRAM}" ${_args}
                RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _err)
message("${_out}${_err}")
if(NOT _rc STREQUAL "0")
  message(FATAL_ERROR "${PROGRAM} ${ARGS}: exit status ${_rc} (expected 0)")
endif()
if(NOT _out MATCHES "${EXPECT}")
  message(FATAL_ERROR "${PROGRAM} ${ARGS}: no output line matching '${EXPECT}'")
endif()
if(_out MATCHES "FAIL")
  message(FATAL_ERROR "${PROGRAM} ${ARGS}: printed FAIL")
endif()
