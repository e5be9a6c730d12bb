# Cross-compiling vnet for 64-bit Windows with Debian's MinGW-w64 (the posix
# thread model: std::thread and Asio need it). scripts/build-windows.sh passes
# VNET_WINDOWS_DEPS, the prefix of the cross-built static dependencies.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(triple x86_64-w64-mingw32)
set(CMAKE_C_COMPILER ${triple}-gcc-posix)
set(CMAKE_CXX_COMPILER ${triple}-g++-posix)
set(CMAKE_RC_COMPILER ${triple}-windres)
set(CMAKE_AR ${triple}-ar CACHE FILEPATH "")
set(CMAKE_RANLIB ${triple}-ranlib CACHE FILEPATH "")

# try_compile() projects read this file again: they need the prefix too.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES VNET_WINDOWS_DEPS)
set(CMAKE_FIND_ROOT_PATH /usr/${triple} ${VNET_WINDOWS_DEPS})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# Tests of the Windows build run under Wine (ctest, CROSSCOMPILING_EMULATOR).
find_program(VNET_WINE NAMES wine64 wine PATHS /usr/lib/wine)
if(VNET_WINE)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${VNET_WINE})
endif()
