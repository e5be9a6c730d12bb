# The Windows build's tests (scripts/build-windows.sh --tests): the pure unit
# tests, in one executable so that one link and one Wine start run them all.
# Left out for now: config_test.cpp, flags_test.cpp and replace_file_test.cpp
# use POSIX calls (chmod, getpid) directly.
add_executable(windows_unit_tests
  platform/platform_test.cpp
  common/protocol/codec_test.cpp common/protocol/codec_reject_test.cpp common/protocol/limits_test.cpp
  common/protocol/serve_list_update_test.cpp common/protocol/messages_test.cpp
  common/config/ini_file_test.cpp common/config/config_errors_test.cpp common/config/config_names_test.cpp
  common/config/values_test.cpp common/config/config_metrics_test.cpp common/config/schema_test.cpp
  common/config/reference_test.cpp
  common/text/printable_test.cpp common/text/table_test.cpp common/text/plural_test.cpp
  common/text/wrap_test.cpp common/log/budget_test.cpp common/metrics/exposition_test.cpp
  common/outcome/result_test.cpp
  crypto/secret_test.cpp crypto/link_keys_test.cpp crypto/link_cipher_test.cpp crypto/link_handshake_test.cpp
  route/registry_test.cpp route/reload_test.cpp route/unserves_test.cpp route/tickets_test.cpp
  route/limit_test.cpp route/admission_book_test.cpp route/history_test.cpp)
target_compile_options(windows_unit_tests PRIVATE -Wno-missing-field-initializers)
target_link_libraries(windows_unit_tests PRIVATE route_registry vnet_crypto vnet_common vnet_platform
  GTest::gtest_main)
target_compile_definitions(windows_unit_tests PRIVATE VNET_FIXTURES="${CMAKE_CURRENT_SOURCE_DIR}/fixtures"
  VNET_CONFIG_REFERENCE="${PROJECT_SOURCE_DIR}/docs/configuration.md")
