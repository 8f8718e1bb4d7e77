#include "harness/process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace kwb::testing {

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string make_temp_dir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/kwb-test-XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (mkdtemp(buffer.data()) == nullptr) return "";
  return buffer.data();
}

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

std::string ProcessResult::describe() const {
  return "exit " + std::to_string(exit_code) + (timed_out ? " (timed out)" : "") + "\n--- stdout ---\n" +
         out.substr(0, 4000) + "\n--- stderr ---\n" + err.substr(0, 4000);
}

ChildProcess::ChildProcess(std::vector<std::string> argv, EnvMap env, std::optional<std::string> stdin_data) {
  dir_ = make_temp_dir();
  if (dir_.empty()) {
    start_error_ = "mkdtemp failed";
    return;
  }
  std::string stdin_path = "/dev/null";
  if (stdin_data) {
    stdin_path = dir_ + "/stdin";
    std::ofstream(stdin_path, std::ios::binary) << *stdin_data;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, stdin_path.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, (dir_ + "/stdout").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, 2, (dir_ + "/stderr").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  // Own process group, so stop() reaches anything the child starts too.
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attributes, 0);

  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  std::vector<std::string> env_strings;
  for (const auto& [key, value] : env) env_strings.push_back(key + "=" + value);
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);

  pid_t pid = -1;
  int rc = posix_spawn(&pid, args[0], &actions, &attributes, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (rc != 0) {
    start_error_ = "posix_spawn " + argv[0] + ": " + std::strerror(rc);
    return;
  }
  pid_ = pid;
}

ChildProcess::~ChildProcess() {
  stop();
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

bool ChildProcess::running() {
  if (pid_ <= 0 || status_) return false;
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    status_ = status;
    return false;
  }
  return r == 0;
}

ProcessResult ChildProcess::wait(std::chrono::milliseconds timeout) {
  ProcessResult result;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (running()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      result.timed_out = true;
      stop(std::chrono::milliseconds(500));
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  result.exit_code = status_ ? decode_status(*status_) : -1;
  result.out = stdout_text();
  result.err = stderr_text();
  return result;
}

void ChildProcess::stop(std::chrono::milliseconds grace) {
  // Only a child that is still running is signalled. The signal goes to its process group (a
  // negative pid), which this object created, so helpers the child started stop with it.
  if (pid_ <= 0 || !running()) return;
  kill(-pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(-pid_, SIGKILL);  // the leader if it ignored SIGTERM, and any straggler in the group
  if (!status_) {
    int status = 0;
    if (waitpid(pid_, &status, 0) == pid_) status_ = status;
  }
}

std::string ChildProcess::stdout_text() const { return dir_.empty() ? "" : read_file(dir_ + "/stdout"); }
std::string ChildProcess::stderr_text() const { return dir_.empty() ? "" : read_file(dir_ + "/stderr"); }

ProcessResult run_process(const std::vector<std::string>& argv, const EnvMap& env, std::optional<std::string> stdin_data,
                          std::chrono::milliseconds timeout) {
  ChildProcess child(argv, env, std::move(stdin_data));
  if (!child.started()) {
    ProcessResult result;
    result.err = child.start_error();
    return result;
  }
  return child.wait(timeout);
}

TempDir::TempDir() : path_(make_temp_dir()) {}
TempDir::~TempDir() {
  std::error_code ec;
  if (!path_.empty()) std::filesystem::remove_all(path_, ec);
}
std::string TempDir::write(const std::string& name, const std::string& content) const {
  std::string file = path_ + "/" + name;
  std::filesystem::create_directories(std::filesystem::path(file).parent_path());
  std::ofstream(file, std::ios::binary) << content;
  return file;
}

}  // namespace kwb::testing
