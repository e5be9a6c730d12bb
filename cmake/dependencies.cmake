# Every dependency comes from the distribution (see scripts/install-deps.sh).
# The Windows cross-build (scripts/build-windows.sh) has its own.
if(WIN32)
  include(${CMAKE_CURRENT_LIST_DIR}/windows-dependencies.cmake)
  return()
endif()
find_package(Threads REQUIRED)
find_package(Boost 1.81 REQUIRED COMPONENTS program_options)
find_package(spdlog REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(READLINE REQUIRED IMPORTED_TARGET readline)  # the vnet terminal (libreadline-dev)
find_package(OpenSSL 3.0 REQUIRED)  # TLS of control sessions (libssl-dev)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)  # end-to-end links (libsodium-dev)
