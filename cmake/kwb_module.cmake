# Helpers that keep every module's CMakeLists.txt to a few lines.
#
#   kwb_add_module(NAME core SOURCES a.cc b.cc DEPS fmt::fmt)
#     -> static library kwb_core, alias kwb::core, include root src/
#   kwb_add_unit_test(NAME core_tests SOURCES x_test.cc DEPS kwb::core)
#     -> GoogleTest executable registered with ctest under the label "unit"
#   kwb_add_integration_test(NAME ... SOURCES ... DEPS ...)
#     -> the same, labelled "integration" (real processes on loopback)

function(kwb_add_module)
  cmake_parse_arguments(ARG "" "NAME" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(kwb_${ARG_NAME} STATIC ${ARG_SOURCES})
  add_library(kwb::${ARG_NAME} ALIAS kwb_${ARG_NAME})
  target_include_directories(kwb_${ARG_NAME} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(kwb_${ARG_NAME} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
endfunction()

function(_kwb_add_gtest label)
  cmake_parse_arguments(ARG "BUILD_ONLY" "NAME;TIMEOUT" "SOURCES;DEPS" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SOURCES})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  target_compile_definitions(${ARG_NAME} PRIVATE
    KWB_SHARED_DIR="${KWB_SHARED_DIR}"
    KWB_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    KWB_BINARY_DIR="${PROJECT_BINARY_DIR}")
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 120)
  endif()
  if(ARG_BUILD_ONLY)
    return()
  endif()
  add_test(NAME ${ARG_NAME} COMMAND ${ARG_NAME} --gtest_brief=1)
  set_tests_properties(${ARG_NAME} PROPERTIES LABELS ${label} TIMEOUT ${ARG_TIMEOUT})
endfunction()

function(kwb_add_unit_test)
  _kwb_add_gtest(unit ${ARGN})
endfunction()

function(kwb_add_integration_test)
  _kwb_add_gtest(integration ${ARGN})
endfunction()

# Labelled "real-aws": talks to the AWS account of the standard credentials chain. Always compiled,
# so CI catches a real-AWS test that no longer builds; registered with ctest only with
# -DKWB_REAL_AWS_TESTS=ON, and never run by scripts/test.sh.
function(kwb_add_real_aws_test)
  if(KWB_REAL_AWS_TESTS)
    _kwb_add_gtest(real-aws ${ARGN})
  else()
    _kwb_add_gtest(real-aws BUILD_ONLY ${ARGN})
  endif()
endfunction()
