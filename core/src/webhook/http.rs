//! The same operations on the `http` crate's types (feature `std`), so that a server's
//! handler is `Fn(http::Request<Vec<u8>>) -> http::Response<Vec<u8>>` around
//! [`handle_and_reply`].

use alloc::vec::Vec;

use super::{Event, Generation, WebhookConfig, WebhookError, parse};

/// [`parse`] for an `http::Request`: its method, the URI's query and the body.
pub fn handle(
    req: &http::Request<Vec<u8>>,
    config: &WebhookConfig,
    now: u64,
) -> Result<Event, WebhookError> {
    parse(
        req.method().as_str(),
        req.uri().query().unwrap_or(""),
        req.body(),
        config,
        now,
    )
}

fn json_response(status: u16, body: Vec<u8>) -> http::Response<Vec<u8>> {
    let mut res = http::Response::new(body);
    *res.status_mut() =
        http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    res.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    res
}

/// The 200 response that acknowledges a callback of `generation`.
pub fn ack_response(generation: Generation) -> http::Response<Vec<u8>> {
    json_response(200, generation.ack_body().to_vec())
}

/// [`not_handled`](super::not_handled) as an `http::Response` (JSON content type).
pub fn not_handled_response(generation: Generation) -> http::Response<Vec<u8>> {
    let (status, body) = super::not_handled(generation);
    json_response(status, body)
}

/// The response for the outcome of [`handle`]: ack, or the error's status and body;
/// `Content-Type: application/json` either way. A 405 also carries `Allow: POST`.
pub fn http_reply_for(result: &Result<Event, WebhookError>) -> http::Response<Vec<u8>> {
    match result {
        Ok(event) => ack_response(event.generation()),
        Err(error) => error.to_http_response(),
    }
}

/// Parses `req`, hands a valid event to `on_event`, and returns the response to send:
/// the whole of a webhook endpoint except the socket.
///
/// ```
/// use callkit_core::webhook::{handle_and_reply, WebhookConfig};
/// let req = http::Request::post("/cb?sdkappid=1&command=caller_start_call")
///     .body(br#"{"UserId":"Alice","CallId":"c1","Event":"start_call"}"#.to_vec())
///     .unwrap();
/// let mut seen = Vec::new();
/// let res = handle_and_reply(&req, &WebhookConfig::new(1), 0, |e| seen.push(e));
/// assert_eq!(res.status(), 200);
/// assert_eq!(seen[0].command(), "caller_start_call");
/// ```
pub fn handle_and_reply(
    req: &http::Request<Vec<u8>>,
    config: &WebhookConfig,
    now: u64,
    on_event: impl FnOnce(Event),
) -> http::Response<Vec<u8>> {
    match handle(req, config, now) {
        Ok(event) => {
            let res = ack_response(event.generation());
            on_event(event);
            res
        }
        Err(error) => error.to_http_response(),
    }
}

impl WebhookError {
    /// [`response`](Self::response) as an `http::Response`.
    pub fn to_http_response(&self) -> http::Response<Vec<u8>> {
        let (status, body) = self.response();
        let mut res = json_response(status, body);
        if status == 405 {
            res.headers_mut()
                .insert(http::header::ALLOW, http::HeaderValue::from_static("POST"));
        }
        res
    }
}
