#pragma once
// The file-system calls whose portable forms (std::filesystem, <cstdio>)
// cannot say what the daemons need: who may read a file, writing it through
// to the disk, replacing one atomically, creating one exclusively.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace platform {

// Writes `text` to a new or truncated file `path` with permission bits
// `mode` (less the umask) and flushes it to the disk. Windows has no mode
// bits: a mode without group or other bits (0600) gives the file an
// owner-only DACL; any other mode lets it inherit its folder's ACL. `exclusive`: fails with
// errc::file_exists when the file exists (O_EXCL). Removes nothing on
// failure: the caller knows whether the file was its own.
std::error_code write_file_synced(const std::string& path, std::string_view text, unsigned mode,
                                  bool exclusive = false);

// Renames `from` over `to`, which may exist: atomic for a reader, written
// through on Windows (MoveFileEx with REPLACE_EXISTING | WRITE_THROUGH; the
// C library's rename() refuses an existing target there).
std::error_code replace_by(const std::string& from, const std::string& to);

// Flushes the folder of `path`, so that a rename in it survives a power cut.
// Best effort (some filesystems refuse; Windows writes the rename through).
void sync_folder_of(const std::string& path);

// The permission bits of `path` (e.g. 0644); nullopt when it cannot be
// examined, or on Windows, where an ACL says who may read and these bits do
// not exist.
std::optional<unsigned> permission_bits(const std::string& path);

// Creates folder `path` (and its missing parents) for files only this user
// may read: mode 0700 on POSIX; on Windows a protected DACL granting this
// user alone, inherited by every file made in it. An existing folder is
// left as it is.
std::error_code create_private_folder(const std::string& path);

// Whether only this user may open `path`: no group or other bits on POSIX;
// on Windows a protected DACL that grants this user alone. nullopt when it
// cannot be examined.
std::optional<bool> owner_only(const std::string& path);

// Standard error's identity (device, inode): systemd's JOURNAL_STREAM
// names it when stderr is the journal. nullopt on Windows.
std::optional<std::pair<std::uint64_t, std::uint64_t>> stderr_identity();

// Whether this process may write `path` (access(W_OK)); the error when not.
std::error_code check_writable(const std::string& path);

}  // namespace platform
