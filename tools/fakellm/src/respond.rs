//! Building HTTP responses: the rate-limit headers each protocol sends and JSON bodies.

use crate::body::FakeBody;
use crate::protocol::Protocol;
use bytes::Bytes;
use hyper::{Response, StatusCode};

/// The rate-limit headers `protocol` sends with `limit`, `remaining` and a `wait` in seconds.
pub(crate) fn rate_headers(
    protocol: Protocol,
    limit: u32,
    remaining: u32,
    wait: u64,
) -> Vec<(&'static str, String)> {
    let mut headers = Vec::new();
    if wait > 0 {
        headers.push(("retry-after", wait.to_string()));
    }
    match protocol {
        Protocol::OpenAi => {
            headers.push(("x-ratelimit-limit-requests", limit.to_string()));
            headers.push(("x-ratelimit-remaining-requests", remaining.to_string()));
            headers.push(("x-ratelimit-reset-requests", format!("{wait}s")));
        }
        Protocol::Anthropic => {
            let reset = chrono::Utc::now() + chrono::Duration::seconds(wait as i64);
            headers.push(("anthropic-ratelimit-requests-limit", limit.to_string()));
            headers.push((
                "anthropic-ratelimit-requests-remaining",
                remaining.to_string(),
            ));
            headers.push((
                "anthropic-ratelimit-requests-reset",
                reset.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            ));
        }
        Protocol::Gemini => {}
    }
    headers
}

/// A JSON response with `status`, `body` and extra headers.
pub(crate) fn json_response(
    status: StatusCode,
    body: impl Into<Bytes>,
    headers: Vec<(&'static str, String)>,
) -> Response<FakeBody> {
    build(status, FakeBody::full(body), headers)
}

/// A response with `status`, `body`, a JSON content type and extra headers.
pub(crate) fn build(
    status: StatusCode,
    body: FakeBody,
    headers: Vec<(&'static str, String)>,
) -> Response<FakeBody> {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    let h = response.headers_mut();
    h.insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    for (name, value) in headers {
        if let Ok(v) = hyper::header::HeaderValue::from_str(&value) {
            h.insert(name, v);
        }
    }
    response
}
