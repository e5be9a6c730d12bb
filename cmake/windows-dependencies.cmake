# The Windows build's dependencies: static libraries cross-built from
# Debian's source packages by scripts/windows/build-deps.sh into
# VNET_WINDOWS_DEPS (include/, lib/), made into the same imported targets
# the Linux build gets from find_package and pkg-config.
if(NOT VNET_WINDOWS_DEPS OR NOT EXISTS "${VNET_WINDOWS_DEPS}/lib/libssl.a")
  message(FATAL_ERROR "VNET_WINDOWS_DEPS must name the prefix of the cross-built dependencies "
                      "(scripts/build-windows.sh builds them and passes it)")
endif()
set(deps_include "${VNET_WINDOWS_DEPS}/include")
set(deps_lib "${VNET_WINDOWS_DEPS}/lib")

find_package(Threads REQUIRED)

add_library(Boost::headers INTERFACE IMPORTED)
set_target_properties(Boost::headers PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${deps_include}")
add_library(Boost::program_options STATIC IMPORTED)
set_target_properties(Boost::program_options PROPERTIES
  IMPORTED_LOCATION "${deps_lib}/libboost_program_options.a"
  INTERFACE_LINK_LIBRARIES Boost::headers)

# Header-only: Debian's spdlog headers use the external fmt (tweakme.h).
add_library(spdlog::spdlog INTERFACE IMPORTED)
set_target_properties(spdlog::spdlog PROPERTIES
  INTERFACE_INCLUDE_DIRECTORIES "${deps_include}"
  INTERFACE_COMPILE_DEFINITIONS "SPDLOG_HEADER_ONLY;FMT_HEADER_ONLY")

add_library(OpenSSL::Crypto STATIC IMPORTED)
set_target_properties(OpenSSL::Crypto PROPERTIES
  IMPORTED_LOCATION "${deps_lib}/libcrypto.a"
  INTERFACE_INCLUDE_DIRECTORIES "${deps_include}"
  INTERFACE_LINK_LIBRARIES "ws2_32;crypt32;bcrypt;advapi32;user32")
add_library(OpenSSL::SSL STATIC IMPORTED)
set_target_properties(OpenSSL::SSL PROPERTIES
  IMPORTED_LOCATION "${deps_lib}/libssl.a"
  INTERFACE_LINK_LIBRARIES OpenSSL::Crypto)

# SODIUM_STATIC: the headers would otherwise declare dllimport functions.
add_library(PkgConfig::SODIUM STATIC IMPORTED)
set_target_properties(PkgConfig::SODIUM PROPERTIES
  IMPORTED_LOCATION "${deps_lib}/libsodium.a"
  INTERFACE_INCLUDE_DIRECTORIES "${deps_include}"
  INTERFACE_COMPILE_DEFINITIONS SODIUM_STATIC)

# GoogleTest for the cross-built unit tests.
add_library(GTest::gtest STATIC IMPORTED)
set_target_properties(GTest::gtest PROPERTIES
  IMPORTED_LOCATION "${deps_lib}/libgtest.a"
  INTERFACE_INCLUDE_DIRECTORIES "${deps_include}"
  INTERFACE_LINK_LIBRARIES Threads::Threads)
add_library(GTest::gtest_main STATIC IMPORTED)
set_target_properties(GTest::gtest_main PROPERTIES
  IMPORTED_LOCATION "${deps_lib}/libgtest_main.a"
  INTERFACE_LINK_LIBRARIES GTest::gtest)

# Windows 10 APIs; no min/max macros; the smaller windows.h. Two translation
# units (Beast's, the vnet client's) pass the COFF section limit without
# big objects. Static: one .exe, no MinGW runtime DLLs beside it.
add_compile_definitions(_WIN32_WINNT=0x0A00 NOMINMAX WIN32_LEAN_AND_MEAN)
add_compile_options(-Wa,-mbig-obj)
add_link_options(-static)
