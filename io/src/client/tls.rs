//! The clients' TLS settings: which roots to trust.
//!
//! Mozilla's root store compiled in (`webpki-roots`) rather than the platform's: the same trust
//! on every machine, and HTTPS that works in a container without a `ca-certificates` package;
//! its cost is a rebuild to pick up a root store change. A private CA (an on-premises BITS
//! server, the tests) is added with [`Tls::with_root`].

use std::fmt;
use std::sync::Arc;

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use rustls::{ClientConfig, RootCertStore};

/// The TLS client configuration the drivers use for `https` URLs.
#[derive(Clone)]
pub struct Tls {
    roots: RootCertStore,
    config: Arc<ClientConfig>,
}

impl fmt::Debug for Tls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tls").field("roots", &self.roots.len()).finish()
    }
}

impl Tls {
    /// Trust Mozilla's roots.
    pub fn webpki_roots() -> Self {
        let mut roots = RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        Self::from_roots(roots)
    }

    /// Trust no root at all (add some with [`with_root`](Self::with_root)).
    pub fn no_roots() -> Self {
        Self::from_roots(RootCertStore::empty())
    }

    /// Trust `der` (a DER-encoded CA certificate) as well. Fails for a certificate rustls
    /// cannot use as a trust anchor.
    pub fn with_root(mut self, der: &[u8]) -> Result<Self, rustls::Error> {
        self.roots.add(CertificateDer::from(der.to_vec()))?;
        Ok(Self::from_roots(self.roots))
    }

    /// Trust every certificate in `pem` (one or more `-----BEGIN CERTIFICATE-----` blocks)
    /// as well. Fails if there is none, or one rustls cannot use as a trust anchor.
    pub fn with_pem_roots(mut self, pem: &[u8]) -> Result<Self, rustls::Error> {
        let mut n = 0;
        for der in CertificateDer::pem_slice_iter(pem) {
            let der = der.map_err(|e| rustls::Error::General(format!("PEM: {e}")))?;
            self.roots.add(der)?;
            n += 1;
        }
        if n == 0 {
            return Err(rustls::Error::General("no certificate in the PEM text".into()));
        }
        Ok(Self::from_roots(self.roots))
    }

    /// A configuration of one's own (client certificates, ALPN, another crypto provider).
    pub fn from_config(config: Arc<ClientConfig>) -> Self {
        Self { roots: RootCertStore::empty(), config }
    }

    /// The rustls configuration.
    pub fn config(&self) -> Arc<ClientConfig> {
        self.config.clone()
    }

    fn from_roots(roots: RootCertStore) -> Self {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map(|b| b.with_root_certificates(roots.clone()).with_no_client_auth())
            // The ring provider supports the default versions: this cannot fail.
            .unwrap_or_else(|_| ClientConfig::builder().with_root_certificates(roots.clone()).with_no_client_auth());
        Self { roots, config: Arc::new(config) }
    }
}
