// The generated self-signed certificate, and an HTTPS round trip through HttpServer with it.

#include "http/tls.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <filesystem>
#include <fstream>

#include "http/server.h"

namespace kwb::http {
namespace {

namespace fs = std::filesystem;

class TempDirectory {
 public:
  TempDirectory() {
    std::string pattern = (fs::temp_directory_path() / "kwb-tls-test-XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~TempDirectory() { fs::remove_all(path_); }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class Echo final : public Handler {
 public:
  Response handle(const Request& request) override { return Response::json(200, "{\"path\":\"" + std::string(request.path()) + "\"}"); }
};

TEST(SelfSignedCertificate, NamesKeyModeAndReuse) {
  TempDirectory dir;
  auto files = generate_self_signed_certificate(dir.path() + "/tls", {"127.0.0.1", "localhost", "127.0.0.1"});
  ASSERT_TRUE(files.ok()) << files.error();
  EXPECT_TRUE(files->generated);
  struct stat key_stat {};
  ASSERT_EQ(stat(files->key_file.c_str(), &key_stat), 0);
  EXPECT_EQ(key_stat.st_mode & 0777, 0600u) << "the private key must not be readable by others";

  FILE* in = std::fopen(files->cert_file.c_str(), "r");
  ASSERT_NE(in, nullptr);
  X509* cert = PEM_read_X509(in, nullptr, nullptr, nullptr);
  std::fclose(in);
  ASSERT_NE(cert, nullptr);
  EXPECT_EQ(X509_check_host(cert, "localhost", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(cert, "127.0.0.1", 0), 1);
  EXPECT_NE(X509_check_host(cert, "example.com", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ca(cert), 1) << "clients trust it directly, as its own CA";
  X509_free(cert);

  std::ifstream first(files->cert_file);
  const std::string pem((std::istreambuf_iterator<char>(first)), std::istreambuf_iterator<char>());
  auto again = generate_self_signed_certificate(dir.path() + "/tls", {"127.0.0.1"});
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->generated);
  std::ifstream second(again->cert_file);
  EXPECT_EQ(pem, std::string((std::istreambuf_iterator<char>(second)), std::istreambuf_iterator<char>()));
}

TEST(TlsServer, ServesHttpsWithTheGeneratedCertificate) {
  TempDirectory dir;
  auto files = generate_self_signed_certificate(dir.path(), {"127.0.0.1"});
  ASSERT_TRUE(files.ok()) << files.error();
  Echo echo;
  ServerOptions options;
  options.tls = TlsOptions{files->cert_file, files->key_file};
  HttpServer server(options, echo);
  auto port = server.start();
  ASSERT_TRUE(port.ok()) << port.error();

  namespace asio = boost::asio;
  namespace beast = boost::beast;
  asio::io_context io;
  asio::ssl::context context(asio::ssl::context::tls_client);
  context.load_verify_file(files->cert_file);
  context.set_verify_mode(asio::ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> stream(io, context);
  stream.set_verify_callback(asio::ssl::host_name_verification("127.0.0.1"));
  beast::get_lowest_layer(stream).connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), *port));
  stream.handshake(asio::ssl::stream_base::client);
  beast::http::request<beast::http::string_body> request(beast::http::verb::get, "/hello", 11);
  request.set(beast::http::field::host, "127.0.0.1");
  beast::http::write(stream, request);
  beast::flat_buffer buffer;
  beast::http::response<beast::http::string_body> response;
  beast::http::read(stream, buffer, response);
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_EQ(response.body(), R"({"path":"/hello"})");
  server.stop();
}

TEST(TlsServer, MissingCertificateFailsAtStart) {
  Echo echo;
  ServerOptions options;
  options.tls = TlsOptions{"/nonexistent/cert.pem", "/nonexistent/key.pem"};
  HttpServer server(options, echo);
  auto port = server.start();
  ASSERT_FALSE(port.ok());
  EXPECT_NE(port.error().message.find("TLS certificate"), std::string::npos) << port.error().message;
}

}  // namespace
}  // namespace kwb::http
