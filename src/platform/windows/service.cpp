#include "platform/service.hpp"

#include <windows.h>

#include <csignal>
#include <memory>

#include "platform/windows/owner_only.hpp"

namespace platform {
namespace {

std::error_code last_win32() { return {static_cast<int>(::GetLastError()), std::system_category()}; }

std::wstring wide(const std::string& s) {
  const int n = ::MultiByteToWideChar(CP_ACP, 0, s.data(), static_cast<int>(s.size()), nullptr, 0);
  std::wstring out(static_cast<std::size_t>(n), L'\0');
  ::MultiByteToWideChar(CP_ACP, 0, s.data(), static_cast<int>(s.size()), out.data(), n);
  return out;
}

// The SCM calls service_main and on_control with no context: one service
// per process, kept here.
struct service_state {
  std::wstring name;
  std::function<int()> body;
  SERVICE_STATUS_HANDLE handle = nullptr;
  SERVICE_STATUS status{SERVICE_WIN32_OWN_PROCESS, SERVICE_START_PENDING, 0, NO_ERROR, 0, 0, 0};
  int exit_code = 0;
};

service_state& state() {
  static service_state s;
  return s;
}

void report(DWORD current) {
  auto& s = state();
  s.status.dwCurrentState = current;
  s.status.dwControlsAccepted = current == SERVICE_RUNNING ? SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN : 0;
  if (s.handle) ::SetServiceStatus(s.handle, &s.status);
}

DWORD WINAPI on_control(DWORD control, DWORD, void*, void*) {
  if (control == SERVICE_CONTROL_STOP || control == SERVICE_CONTROL_SHUTDOWN) {
    report(SERVICE_STOP_PENDING);
    std::raise(SIGTERM);  // the daemon's own stop, through Asio's signal_set
    return NO_ERROR;
  }
  return control == SERVICE_CONTROL_INTERROGATE ? NO_ERROR : ERROR_CALL_NOT_IMPLEMENTED;
}

void WINAPI service_main(DWORD, LPWSTR*) {
  auto& s = state();
  s.handle = ::RegisterServiceCtrlHandlerExW(s.name.c_str(), on_control, nullptr);
  windows::mark_service_process();  // its ctl pipe admits Administrators too
  report(SERVICE_RUNNING);
  s.exit_code = s.body();
  if (s.exit_code != 0) {
    s.status.dwWin32ExitCode = ERROR_SERVICE_SPECIFIC_ERROR;
    s.status.dwServiceSpecificExitCode = static_cast<DWORD>(s.exit_code);
  }
  report(SERVICE_STOPPED);
}

struct sc_close {
  void operator()(SC_HANDLE h) const { ::CloseServiceHandle(h); }
};
using sc_handle = std::unique_ptr<std::remove_pointer_t<SC_HANDLE>, sc_close>;

}  // namespace

std::optional<int> run_as_service(const std::string& name, std::function<int()> body) {
  auto& s = state();
  s.name = wide(name);
  s.body = std::move(body);
  SERVICE_TABLE_ENTRYW table[] = {{s.name.data(), service_main}, {nullptr, nullptr}};
  if (!::StartServiceCtrlDispatcherW(table)) return std::nullopt;  // not started by the SCM
  return s.exit_code;
}

std::error_code install_service(const std::string& name, const std::string& display_name,
                                const std::string& command_line) {
  sc_handle scm(::OpenSCManagerW(nullptr, nullptr, SC_MANAGER_CREATE_SERVICE | SC_MANAGER_CONNECT));
  if (!scm) return last_win32();
  const auto n = wide(name), d = wide(display_name), c = wide(command_line);
  sc_handle svc(::CreateServiceW(scm.get(), n.c_str(), d.c_str(), SERVICE_ALL_ACCESS, SERVICE_WIN32_OWN_PROCESS,
                                 SERVICE_AUTO_START, SERVICE_ERROR_NORMAL, c.c_str(), nullptr, nullptr, nullptr,
                                 nullptr, nullptr));
  if (svc) return {};
  if (::GetLastError() != ERROR_SERVICE_EXISTS) return last_win32();
  svc.reset(::OpenServiceW(scm.get(), n.c_str(), SERVICE_CHANGE_CONFIG));
  if (!svc || !::ChangeServiceConfigW(svc.get(), SERVICE_NO_CHANGE, SERVICE_AUTO_START, SERVICE_NO_CHANGE,
                                      c.c_str(), nullptr, nullptr, nullptr, nullptr, nullptr, d.c_str()))
    return last_win32();
  return {};
}

std::error_code uninstall_service(const std::string& name) {
  sc_handle scm(::OpenSCManagerW(nullptr, nullptr, SC_MANAGER_CONNECT));
  if (!scm) return last_win32();
  sc_handle svc(::OpenServiceW(scm.get(), wide(name).c_str(), SERVICE_STOP | DELETE));
  if (!svc)
    return ::GetLastError() == ERROR_SERVICE_DOES_NOT_EXIST
               ? std::make_error_code(std::errc::no_such_file_or_directory)
               : last_win32();
  SERVICE_STATUS status{};
  ::ControlService(svc.get(), SERVICE_CONTROL_STOP, &status);  // not running: nothing to stop
  if (!::DeleteService(svc.get())) return last_win32();
  return {};
}

}  // namespace platform
