# The Windows build's unit tests (scripts/build-windows.sh --tests), run under
# Wine by tests/windows/run_tests.sh (ctest: windows_unit_tests). One
# executable, so that one link and one Wine start run them all. The tests
# that fail under Wine for a known reason are left out there, by its
# GTEST_FILTER, each with the reason.
#
# Source files left out here, each because it calls POSIX directly:
# config_test.cpp and flags_test.cpp (chmod, getpid), auto_limit_test.cpp
# (setrlimit), replace_file_test.cpp and vnet/save_test.cpp (chmod, stat),
# net/secure/secure_relay_memory_test.cpp (glibc's mallinfo2),
# net/relay/relay_test.cpp (poll, the splice relay) and
# net/frame/frame_io_test.cpp (mallinfo2). The in-process e2e tests have their
# own executable: windows_e2e_tests.cmake.
add_executable(windows_unit_tests
  platform/platform_test.cpp platform/owner_only_windows_test.cpp
  common/protocol/codec_test.cpp common/protocol/codec_reject_test.cpp common/protocol/limits_test.cpp
  common/protocol/serve_list_update_test.cpp common/protocol/messages_test.cpp
  common/protocol/datagram_frame_test.cpp
  common/config/ini_file_test.cpp common/config/config_errors_test.cpp common/config/config_names_test.cpp
  common/config/config_examples_test.cpp
  common/config/values_test.cpp common/config/config_metrics_test.cpp common/config/schema_test.cpp
  common/config/reference_test.cpp
  common/text/printable_test.cpp common/text/table_test.cpp common/text/plural_test.cpp
  common/text/wrap_test.cpp common/log/budget_test.cpp common/metrics/exposition_test.cpp
  common/outcome/result_test.cpp
  crypto/secret_test.cpp crypto/group_proof_test.cpp crypto/serve_seal_test.cpp crypto/link_keys_test.cpp
  crypto/link_cipher_test.cpp crypto/link_handshake_test.cpp crypto/ephemeral_pool_test.cpp
  crypto/record_padding_test.cpp
  fuzz/corpus_test.cpp
  route/registry_test.cpp route/reload_test.cpp route/unserves_test.cpp route/tickets_test.cpp
  route/limit_test.cpp route/admission_book_test.cpp route/history_test.cpp route/handshake_gate_test.cpp
  route/links/link_table_test.cpp route/links/idle_links_test.cpp
  vnet/reload_test.cpp vnet/serve/unserve_policy_test.cpp vnet/terminal/command_line_test.cpp
  vnet/session/ticket_stock_test.cpp vnet/session/refusal_backoff_test.cpp vnet/use/standby_reason_test.cpp
  net/secure/secure_relay_test.cpp net/secure/secure_relay_binding_test.cpp
  net/tls/fingerprint_test.cpp)
target_compile_options(windows_unit_tests PRIVATE -Wno-missing-field-initializers)
target_include_directories(windows_unit_tests PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/net/secure)
target_link_libraries(windows_unit_tests PRIVATE route_core vnet_core vnet_logic route_registry vnet_crypto
  vnet_common vnet_platform GTest::gtest_main)
# Relative to the source root, where run_tests.sh starts them: the same
# objects for every clone (ccache), and no Unix path inside a Windows program.
target_compile_definitions(windows_unit_tests PRIVATE VNET_FIXTURES="tests/fixtures"
  VNET_CONFIG_REFERENCE="docs/configuration.md" VNET_FUZZ_CORPUS="tests/fuzz/corpus")
