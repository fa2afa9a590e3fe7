//! [`SmolTransport`]: the hyper client on smol's global executor and async-io timers.

use crate::hyper_client::facade::runtime_transport;

runtime_transport!(
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use callkit::transport::Transport;
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let transport = callkit::SmolTransport::builder()
    ///     .request_timeout(Duration::from_secs(5))
    ///     .build()?;
    /// let request = http::Request::post("https://console.tim.qq.com/v4/...").body(b"{}".to_vec())?;
    /// let response = smol::block_on(transport.send(request))?;
    /// println!("{}", response.status());
    /// # Ok(()) }
    /// ```
    SmolTransport,
    SmolTransportBuilder,
    crate::runtime::SmolRuntime,
    "smol"
);
