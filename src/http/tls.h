#pragma once
// Certificates for the HTTPS side of the shared server (ServerOptions::tls).
//
// generate_self_signed_certificate() makes the pair `kwb emulator --tls` serves when the user gives
// none: an ECDSA P-256 key (a cheap handshake) and a certificate valid for one year whose subject
// alternative names are the given host names and IP addresses, marked as its own CA so clients can
// trust it directly (AWS_CA_BUNDLE, boto3 verify=, --ca-bundle).
//
// Thread safety: plain functions. The private key file is created with mode 0600.

#include <string>
#include <vector>

#include "core/result.h"

namespace kwb::http {

struct CertificateFiles {
  std::string cert_file;  // PEM certificate
  std::string key_file;   // PEM private key (PKCS#8)
  bool generated = false; // false: an existing pair in the directory was reused
};

// Writes cert.pem and key.pem into `directory` (created if needed), or into a fresh directory under
// the system temp dir when `directory` is empty. An existing pair in `directory` is reused, so a
// restarted emulator keeps the certificate its clients already trust. names: "127.0.0.1",
// "localhost", ... (IP addresses become IP SANs, the rest DNS SANs; duplicates are ignored).
Result<CertificateFiles> generate_self_signed_certificate(const std::string& directory,
                                                          const std::vector<std::string>& names);

}  // namespace kwb::http
