# The in-process end-to-end tests (tests/e2e: a route and vnets in one
# process, the test thread their user) cross-built for Windows and run under
# Wine by tests/windows/run_tests.sh (ctest: windows_e2e_tests), which holds
# the tests left out there with the reason of each. Their own executable: a
# slower run than the unit tests', with its own time limit in ctest.
#
# Left out here: net/frame/frame_io_test.cpp, which e2e_tests builds beside
# them on Linux, measures the heap with glibc's mallinfo2.
add_executable(windows_e2e_tests
  e2e/harness.cpp e2e/client_socket.cpp e2e/client_tls.cpp e2e/fake_vnet.cpp e2e/log_capture.cpp
  e2e/tunnel_test.cpp e2e/resilience_test.cpp e2e/bad_input_test.cpp e2e/link_setup_test.cpp
  e2e/keyed_group_test.cpp e2e/flood_test.cpp e2e/quota_test.cpp e2e/serve_list_test.cpp
  e2e/serve_list_follow_test.cpp e2e/hostile_route_test.cpp e2e/admission_test.cpp
  e2e/ticket_lifetime_test.cpp)
target_compile_options(windows_e2e_tests PRIVATE -Wno-missing-field-initializers)
target_include_directories(windows_e2e_tests PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/e2e)
target_link_libraries(windows_e2e_tests PRIVATE route_core vnet_core GTest::gtest_main)
