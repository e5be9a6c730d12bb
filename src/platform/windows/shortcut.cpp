#include "platform/shortcut.hpp"

#include <windows.h>

#include <objbase.h>
#include <objidl.h>
#include <shlobj.h>

#include <filesystem>

namespace platform {
namespace {

std::wstring wide(const std::string& s) {
  const int n = ::MultiByteToWideChar(CP_ACP, 0, s.data(), static_cast<int>(s.size()), nullptr, 0);
  std::wstring out(static_cast<std::size_t>(n), L'\0');
  ::MultiByteToWideChar(CP_ACP, 0, s.data(), static_cast<int>(s.size()), out.data(), n);
  return out;
}

std::error_code com_error(HRESULT hr) { return {static_cast<int>(hr), std::system_category()}; }

// Releases a COM interface at the end of its scope.
template <class T>
struct com_ptr {
  T* p = nullptr;
  ~com_ptr() {
    if (p) p->Release();
  }
};

}  // namespace

std::optional<std::string> startup_folder() {
  PWSTR path = nullptr;
  const HRESULT hr = ::SHGetKnownFolderPath(FOLDERID_Startup, KF_FLAG_CREATE, nullptr, &path);
  std::optional<std::string> out;
  if (SUCCEEDED(hr)) out = std::filesystem::path(path).string();
  ::CoTaskMemFree(path);
  return out;
}

std::error_code write_shortcut(const shortcut& s) {
  const HRESULT init = ::CoInitializeEx(nullptr, COINIT_APARTMENTTHREADED);
  if (FAILED(init) && init != RPC_E_CHANGED_MODE) return com_error(init);
  std::error_code ec;
  {
    com_ptr<IShellLinkW> link;
    com_ptr<IPersistFile> file;
    HRESULT hr = ::CoCreateInstance(CLSID_ShellLink, nullptr, CLSCTX_INPROC_SERVER, IID_IShellLinkW,
                                    reinterpret_cast<void**>(&link.p));
    if (SUCCEEDED(hr)) hr = link.p->SetPath(wide(s.target).c_str());
    if (SUCCEEDED(hr)) hr = link.p->SetArguments(wide(s.arguments).c_str());
    if (SUCCEEDED(hr)) hr = link.p->SetWorkingDirectory(wide(s.working_dir).c_str());
    if (SUCCEEDED(hr)) hr = link.p->SetDescription(wide(s.description).c_str());
    if (SUCCEEDED(hr)) hr = link.p->QueryInterface(IID_IPersistFile, reinterpret_cast<void**>(&file.p));
    if (SUCCEEDED(hr)) hr = file.p->Save(wide(s.path).c_str(), TRUE);
    if (FAILED(hr)) ec = com_error(hr);
  }
  if (SUCCEEDED(init)) ::CoUninitialize();
  return ec;
}

}  // namespace platform
