//! Conversions from and to the `http` crate's types (feature `std`).

use alloc::vec::Vec;
use core::time::Duration;

use super::{Delivery, Emulator, ServiceRequest};

/// The delay the adapter should wait before sending a response, stored in the
/// `http::Response`'s extensions by [`Emulator::handle_http`] when a
/// [`super::Fault::Delay`] applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponseDelay(pub Duration);

impl Emulator {
    /// [`Emulator::handle`] on `http` types: the request's URI (origin-form or
    /// absolute) is the target. A delay is put in the response's extensions as
    /// [`ResponseDelay`].
    pub fn handle_http(
        &mut self,
        request: &http::Request<Vec<u8>>,
        now: Duration,
    ) -> http::Response<Vec<u8>> {
        let target = request.uri().to_string();
        let answer = self.handle(
            &ServiceRequest::new(request.method().as_str(), &target, request.body()),
            now,
        );
        let mut response = http::Response::new(answer.body);
        *response.status_mut() =
            http::StatusCode::from_u16(answer.status).unwrap_or(http::StatusCode::OK);
        response.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static(answer.content_type),
        );
        if let Some(delay) = answer.delay {
            response.extensions_mut().insert(ResponseDelay(delay));
        }
        response
    }
}

impl Delivery {
    /// The callback as the request to send: a POST of the JSON body to [`Delivery::url`].
    pub fn to_http_request(&self) -> Result<http::Request<Vec<u8>>, http::Error> {
        http::Request::builder()
            .method(self.method)
            .uri(self.url.as_str())
            .header(http::header::CONTENT_TYPE, self.content_type)
            .body(self.body.clone())
    }
}
