#pragma once
// Facts about this machine and process that the config and file names use.
#include <string>

namespace platform {

// The machine's name (gethostname, GetComputerNameExA); empty when unknown.
std::string hostname();

// This process's id: names a temporary file or a one-liner's ctl socket.
long process_id();

// This program's file (/proc/self/exe, GetModuleFileNameW): where vnet.exe
// finds its config.ini and vnet.cmd. Empty when unknown.
std::string program_file();

}  // namespace platform
