//! The public face of a runtime's hyper transport: a newtype and its builder, written once
//! for both runtimes so their APIs cannot drift apart.

/// Declares `$transport` and `$builder` over `HyperTransport`, on `$runtime` by default.
macro_rules! runtime_transport {
    ($(#[$attr:meta])* $transport:ident, $builder:ident, $runtime:expr, $runtime_name:literal) => {
        #[doc = concat!("An HTTPS client on ", $runtime_name, ": hyper 1.x, rustls (ring), webpki-roots, keep-alive.")]
        ///
        /// Cheap to clone: clones share one connection pool. Every HTTP status is an `Ok`
        /// response; errors are [`TransportError`](crate::TransportError)s, which never
        /// contain the request URL's query (it carries the UserSig).
        ///
        /// Defaults: connect timeout 5 s (TCP + TLS), request timeout 10 s (the whole
        /// exchange), response body cap 1 MiB, `https://` only, webpki roots trusted, the
        /// proxy named by the environment (`HTTPS_PROXY`, `NO_PROXY`, ...) if any.
        $(#[$attr])*
        #[derive(Clone, Debug)]
        pub struct $transport {
            inner: $crate::hyper_client::HyperTransport,
        }

        impl $transport {
            /// A transport with the defaults.
            pub fn new() -> Result<Self, $crate::TransportError> {
                Self::builder().build()
            }

            /// Starts configuring a transport.
            pub fn builder() -> $builder {
                $builder {
                    settings: $crate::hyper_client::Settings::default(),
                    runtime: ::std::sync::Arc::new($runtime),
                }
            }
        }

        impl $crate::transport::Transport for $transport {
            type Error = $crate::TransportError;

            fn send(
                &self,
                request: $crate::transport::HttpRequest,
            ) -> impl ::std::future::Future<
                Output = Result<$crate::transport::HttpResponse, $crate::TransportError>,
            > + Send {
                self.inner.send(request)
            }
        }

        #[doc = concat!("Configures a [`", stringify!($transport), "`].")]
        #[derive(Clone, Debug)]
        #[must_use]
        pub struct $builder {
            settings: $crate::hyper_client::Settings,
            runtime: ::std::sync::Arc<dyn $crate::runtime::Runtime>,
        }

        impl $builder {
            /// Deadline for opening a connection (TCP connect plus TLS handshake).
            pub fn connect_timeout(mut self, timeout: ::std::time::Duration) -> Self {
                self.settings.connect_timeout = timeout;
                self
            }

            /// Deadline for a whole request: connecting, sending, reading the full response.
            pub fn request_timeout(mut self, timeout: ::std::time::Duration) -> Self {
                self.settings.request_timeout = timeout;
                self
            }

            /// Largest response body accepted, in bytes; a larger one fails with
            /// [`TransportError::BodyTooLarge`](crate::TransportError::BodyTooLarge).
            pub fn max_body_bytes(mut self, limit: usize) -> Self {
                self.settings.max_body_bytes = limit;
                self
            }

            /// Also trusts the certificates in this PEM text (a self-signed emulator
            /// certificate, a company CA). An unreadable bundle makes `build()` fail.
            pub fn add_root_certificate_pem(mut self, pem: impl AsRef<[u8]>) -> Self {
                self.settings.add_root_pem(pem.as_ref());
                self
            }

            /// Also trusts this DER-encoded certificate.
            pub fn add_root_certificate_der(mut self, der: impl Into<Vec<u8>>) -> Self {
                self.settings.extra_roots.push(der.into());
                self
            }

            /// Whether the bundled Mozilla roots (webpki-roots) are trusted; on by default.
            /// Turn off to trust only the certificates added here.
            pub fn webpki_roots(mut self, enabled: bool) -> Self {
                self.settings.webpki_roots = enabled;
                self
            }

            /// Allows plain `http://` URLs. Off by default: meant for loopback tests only.
            pub fn allow_http(mut self, allow: bool) -> Self {
                self.settings.allow_http = allow;
                self
            }

            /// How many idle connections to keep per host (default 32; 0 disables reuse).
            pub fn max_idle_per_host(mut self, count: usize) -> Self {
                self.settings.max_idle_per_host = count;
                self
            }

            /// How long an idle connection is kept for reuse (default 60 s).
            pub fn idle_timeout(mut self, timeout: ::std::time::Duration) -> Self {
                self.settings.idle_timeout = timeout;
                self
            }

            /// Which HTTP `CONNECT` proxy each request goes through (see
            /// [`Proxies`](crate::Proxies)). Without this call the transport reads
            /// `HTTPS_PROXY`, `ALL_PROXY`, `NO_PROXY` and their kin when it is built, as curl
            /// does; pass [`Proxies::none()`](crate::Proxies::none) to ignore them.
            pub fn proxy(mut self, proxies: $crate::Proxies) -> Self {
                self.settings.proxies = Some(proxies);
                self
            }

            /// Connects to `addr` for `host:port` instead of asking DNS (like curl's
            /// `--resolve`); TLS still verifies the certificate against `host`. Repeat it
            /// for more names or addresses. For tests (a backup domain on loopback) and
            /// for pinning a host while its DNS is unreliable.
            pub fn resolve(
                mut self,
                host: impl Into<String>,
                port: u16,
                addr: ::std::net::SocketAddr,
            ) -> Self {
                self.settings.resolve.push((host.into(), port, addr));
                self
            }

            /// The runtime whose timers (connect and request deadlines), tasks and name
            /// resolution the transport uses (default: this transport's own). A test
            /// drives the deadlines with [`ManualRuntime`](crate::testing::ManualRuntime).
            pub fn runtime(mut self, runtime: ::std::sync::Arc<dyn $crate::runtime::Runtime>) -> Self {
                self.runtime = runtime;
                self
            }

            /// Builds the transport; fails on an unreadable root certificate or an
            /// unusable proxy setting.
            pub fn build(self) -> Result<$transport, $crate::TransportError> {
                Ok($transport {
                    inner: $crate::hyper_client::HyperTransport::new(self.settings, self.runtime)?,
                })
            }
        }
    };
}

pub(crate) use runtime_transport;
