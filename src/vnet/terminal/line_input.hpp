#pragma once
// Line input for the vnet terminal, on the io thread: a GNU readline editor
// (prompt, history, completion) when stdin is a tty, or on Windows our own
// (line_editor.hpp) on the console; plain lines when it is a pipe or a file.
// Keeps log lines and command output above the prompt.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#ifndef _WIN32  // line_input_windows.cpp reads on a thread instead
#include <boost/asio/posix/stream_descriptor.hpp>
#endif
#include <boost/asio/signal_set.hpp>

#include "net/asio.hpp"

namespace spdlog {
class logger;
namespace sinks {
class sink;
}
}  // namespace spdlog

namespace vnet {

class line_editor;  // the Windows console's editor (line_editor.hpp)

enum class input_status { line, eof, interrupted };
struct input_result {
  input_status status = input_status::eof;
  std::string text;  // the line, without '\n' (and without a trailing '\r')
};

// One per process (readline state is global). All calls on the thread that
// created it. Destroy it only once no read_line is pending (e.g. after the
// io_context stopped): it never closes or changes fd 0.
class line_input {
 public:
  enum class mode { tty, stream, none };
  // From stdin: tty (isatty) -> readline editor; pipe, socket or regular file -> stream
  // (plain lines, no prompts printed); /dev/null-like (a character device that is not
  // a tty), closed or unreadable stdin -> none, with `why` set to a short reason
  // such as "stdin is /dev/null" or "stdin is closed".
  static mode detect(std::string& why);

  line_input(net::asio::any_io_executor ex, mode m);
  ~line_input();  // restores the terminal (readline deprep) if needed; never closes fd 0
  line_input(const line_input&) = delete;
  line_input& operator=(const line_input&) = delete;
  mode get_mode() const;

  // tty: shows `prompt` with the editor and waits for one line (Ctrl-D on an empty line = eof).
  // stream: prints nothing, reads the next line. add_to_history: only for tty, and only
  // non-empty lines. If the awaiting coroutine is cancelled, the read ends as interrupted.
  net::awaitable<input_result> read_line(std::string prompt, bool add_to_history);

  // Ctrl-C (the caller gets SIGINT through asio::signal_set and calls this). If a tty
  // read_line is pending: discards the typed text, prints "^C" and a newline, and that
  // read_line returns interrupted. Returns true if it interrupted a pending read.
  bool interrupt();

  // Stop reading for good: a pending read_line returns eof; later ones return eof at once.
  void close();

  // Prints text to stdout (adds '\n' if missing) such that a prompt and partly typed
  // line being shown (tty mode, read pending) are hidden first and redrawn after, intact.
  void print(std::string_view text);

  // Tab completion (tty only). words_before: the complete words before the one being
  // completed; prefix: the partial word. The callback decides what is completed (the
  // class filters candidates by prefix itself too); no candidates and !file_names: no
  // completion; file_names: readline's file name completion; whole_answer: the
  // candidate is the whole answer (a question's), so no space is added after it.
  struct completion {
    std::vector<std::string> candidates;
    bool file_names = false;
    bool whole_answer = false;
  };
  using completer = std::function<completion(const std::vector<std::string>& words_before,
                                             const std::string& prefix)>;
  void set_completer(completer c);

  // Wraps the sinks of spdlog's default logger so that every log line (they go to stderr)
  // is printed above the prompt: hide prompt+typed text, write the log line, redraw
  // prompt+typed text with the cursor where it was. No-op unless mode is tty. Keep the
  // original sink's formatting and colours (delegate to it).
  void hook_logging();

  // History kept across runs (tty only): loads `path` (missing: nothing to load), keeps
  // at most `max_lines`, and appends every line added to the history to it from now on.
  // Returns an error text when the file cannot be read or written; the history then
  // still works for this run only.
  std::optional<std::string> keep_history(std::string path, int max_lines);

 private:
  class above_prompt_sink;
#ifdef _WIN32
  using descriptor = int;  // unused there
#else
  using descriptor = net::asio::posix::stream_descriptor;
#endif

  net::awaitable<input_result> read_tty(const std::string& prompt);
  net::awaitable<input_result> read_stream();
  // Until stdin is readable; operation_aborted when woken by finish() or cancellation.
  net::awaitable<net::error_code> wait_readable();
  void finish(input_result r);   // ends the pending read with r (tty: removes the handler)
  void abandon(input_status s);  // same, erasing the prompt and typed text first
  bool prompt_shown() const;     // tty read pending: prompt and typed text on screen
  bool hide_prompt();            // true if the prompt was shown and is now hidden
  void show_prompt();
  void watch_winch();
  void remember(const std::string& line);  // adds to the history (and its file)
  static void on_line(char* line);
  static char** on_complete(const char* text, int start, int end);
  static char* next_match(const char* text, int state);

  mode mode_;
  std::thread::id owner_ = std::this_thread::get_id();
  // Readiness of stdin, watched through a private epoll fd: waiting on (a dup of)
  // fd 0 itself would make Asio set O_NONBLOCK on the terminal shared with stdout.
  std::optional<descriptor> ready_;
  bool closed_ = false;
  bool set_noflsh_ = false;  // we turned NOFLSH on (tty): turned off again at the end
  bool pending_ = false;
  bool history_ = false;
  std::optional<input_result> result_;  // set when the pending read is over
  std::string buf_;                     // stream mode: bytes read past the last line
  bool eof_ = false;                    // stream mode: end of input reached
  completer completer_;
  std::string history_file_;            // empty: history not saved
  std::vector<std::string> matches_;    // candidates of the completion in progress
  std::optional<net::asio::signal_set> winch_;
#ifdef _WIN32
  std::unique_ptr<line_editor> editor_;  // tty: the prompt, typed text and history
  void write(std::string_view text);     // to the console (UTF-16), else stdout
#endif
  std::shared_ptr<spdlog::logger> hooked_;
  std::vector<std::shared_ptr<spdlog::sinks::sink>> original_sinks_;
};

}  // namespace vnet
