#include "http/tls.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <system_error>

#include <boost/asio/ip/address.hpp>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace kwb::http {

namespace {

namespace fs = std::filesystem;

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct X509Free {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct FileClose {
  void operator()(FILE* file) const { std::fclose(file); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using FilePtr = std::unique_ptr<FILE, FileClose>;

bool add_extension(X509* cert, int nid, const std::string& value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str());
  if (extension == nullptr) return false;
  const bool added = X509_add_ext(cert, extension, -1) == 1;
  X509_EXTENSION_free(extension);
  return added;
}

std::string subject_alt_names(const std::vector<std::string>& names) {
  std::vector<std::string> entries;
  for (const std::string& name : names) {
    if (name.empty() || name == "0.0.0.0" || name == "::") continue;
    boost::system::error_code ec;
    boost::asio::ip::make_address(name, ec);
    std::string entry = (ec ? "DNS:" : "IP:") + name;
    if (std::find(entries.begin(), entries.end(), entry) == entries.end()) entries.push_back(std::move(entry));
  }
  std::string out;
  for (const std::string& entry : entries) {
    if (!out.empty()) out.push_back(',');
    out.append(entry);
  }
  return out;
}

Result<std::string> make_directory(const std::string& directory) {
  std::error_code ec;
  if (!directory.empty()) {
    fs::create_directories(directory, ec);
    if (ec) return Error::io("cannot create certificate directory '" + directory + "': " + ec.message());
    return directory;
  }
  std::string pattern = (fs::temp_directory_path(ec) / "kwb-tls-XXXXXX").string();
  if (ec || mkdtemp(pattern.data()) == nullptr) return Error::io("cannot create a temporary certificate directory");
  return pattern;
}

}  // namespace

Result<CertificateFiles> generate_self_signed_certificate(const std::string& directory,
                                                          const std::vector<std::string>& names) {
  auto dir = make_directory(directory);
  if (!dir) return dir.error();
  CertificateFiles files{(fs::path(*dir) / "cert.pem").string(), (fs::path(*dir) / "key.pem").string(), true};
  std::error_code ec;
  if (fs::is_regular_file(files.cert_file, ec) && fs::is_regular_file(files.key_file, ec)) {
    files.generated = false;
    return files;
  }

  PkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return Error::internal("cannot generate an EC P-256 key");
  X509Ptr cert(X509_new());
  if (!cert) return Error::internal("cannot allocate a certificate");
  X509_set_version(cert.get(), 2);  // v3, for the extensions
  // A random serial: clients that cached an earlier generated certificate must not confuse the two.
  unsigned char serial_bytes[16];
  FilePtr urandom(std::fopen("/dev/urandom", "rb"));
  if (!urandom || std::fread(serial_bytes, 1, sizeof serial_bytes, urandom.get()) != sizeof serial_bytes) {
    return Error::io("cannot read /dev/urandom for the certificate serial");
  }
  serial_bytes[0] &= 0x7f;  // positive
  BIGNUM* serial = BN_bin2bn(serial_bytes, sizeof serial_bytes, nullptr);
  BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(cert.get()));
  BN_free(serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60 * 60);  // an hour of slack for clock skew
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 365L * 24 * 60 * 60);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("kwb emulator"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  const std::string sans = subject_alt_names(names);
  const bool extensions_ok = add_extension(cert.get(), NID_basic_constraints, "critical,CA:TRUE") &&
                             add_extension(cert.get(), NID_key_usage, "critical,digitalSignature,keyCertSign") &&
                             add_extension(cert.get(), NID_ext_key_usage, "serverAuth") &&
                             add_extension(cert.get(), NID_subject_key_identifier, "hash") &&
                             add_extension(cert.get(), NID_authority_key_identifier, "keyid:always") &&
                             (sans.empty() || add_extension(cert.get(), NID_subject_alt_name, sans));
  if (!extensions_ok) return Error::internal("cannot add certificate extensions");
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) return Error::internal("cannot sign the certificate");

  // The key file is private from the moment it exists.
  const int key_fd = ::open(files.key_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (key_fd < 0) return Error::io("cannot write '" + files.key_file + "'");
  FilePtr key_out(fdopen(key_fd, "wb"));
  if (!key_out) {
    ::close(key_fd);
    return Error::io("cannot write '" + files.key_file + "'");
  }
  if (PEM_write_PrivateKey(key_out.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return Error::io("cannot write '" + files.key_file + "'");
  }
  key_out.reset();
  FilePtr cert_out(std::fopen(files.cert_file.c_str(), "wb"));
  if (!cert_out || PEM_write_X509(cert_out.get(), cert.get()) != 1) {
    return Error::io("cannot write '" + files.cert_file + "'");
  }
  return files;
}

}  // namespace kwb::http
