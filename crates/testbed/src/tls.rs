//! A throw-away certificate authority for TLS tests: a CA and a server certificate for an
//! IP address, written as PEM files, so clients can verify the server for real.

use crate::{Error, Result};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use std::path::{Path, PathBuf};

/// PEM files of a test CA and of one server certificate it signed.
#[derive(Debug, Clone)]
pub struct TestCertificates {
    /// The CA certificate: what a client must trust.
    pub ca: PathBuf,
    /// The server's certificate chain (server certificate, then the CA).
    pub cert: PathBuf,
    /// The server's private key.
    pub key: PathBuf,
}

impl TestCertificates {
    /// Creates a CA and a certificate for `ip` (as an IP subject alternative name) in `dir`.
    pub fn generate(dir: &Path, ip: &str) -> Result<TestCertificates> {
        let tls = |what: &str, e: rcgen::Error| Error::Other(format!("{what}: {e}"));
        let mut ca_params =
            CertificateParams::new(Vec::<String>::new()).map_err(|e| tls("CA params", e))?;
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "frontdesk testbed CA");
        let ca_key = KeyPair::generate().map_err(|e| tls("CA key", e))?;
        let ca = CertifiedIssuer::self_signed(ca_params, ca_key)
            .map_err(|e| tls("CA certificate", e))?;

        let mut server_params =
            CertificateParams::new(vec![ip.to_string()]).map_err(|e| tls("server params", e))?;
        server_params
            .distinguished_name
            .push(DnType::CommonName, ip);
        let server_key = KeyPair::generate().map_err(|e| tls("server key", e))?;
        let server = server_params
            .signed_by(&server_key, &ca)
            .map_err(|e| tls("server certificate", e))?;

        let write = |name: &str, text: String| -> Result<PathBuf> {
            let path = dir.join(name);
            std::fs::write(&path, text)
                .map_err(|e| Error::io(format!("write {}", path.display()), e))?;
            Ok(path)
        };
        Ok(TestCertificates {
            ca: write("ca.pem", ca.pem())?,
            cert: write("server.pem", format!("{}{}", server.pem(), ca.pem()))?,
            key: write("server.key", server_key.serialize_pem())?,
        })
    }
}
