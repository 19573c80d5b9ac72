//! Response bodies, including the broken ones (truncated, slow) fault injection needs.

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// A response body: whole, cut off mid-way, or trickling.
pub enum FakeBody {
    /// The whole body in one frame.
    Full(Option<Bytes>),
    /// Announces `full_len` bytes, sends `part`, then fails (the connection is closed).
    Truncated {
        part: Option<Bytes>,
        full_len: u64,
        pause: Option<Pin<Box<tokio::time::Sleep>>>,
    },
    /// Sends chunks with a pause before each one.
    Slow {
        chunks: VecDeque<Bytes>,
        pause: Duration,
        sleep: Option<Pin<Box<tokio::time::Sleep>>>,
        len: u64,
    },
}

impl FakeBody {
    pub fn full(bytes: impl Into<Bytes>) -> Self {
        FakeBody::Full(Some(bytes.into()))
    }

    pub fn truncated(bytes: Bytes) -> Self {
        let full_len = bytes.len() as u64;
        let part = bytes.slice(..bytes.len() / 2);
        FakeBody::Truncated {
            part: Some(part),
            full_len,
            pause: None,
        }
    }

    pub fn slow(bytes: Bytes, total: Duration) -> Self {
        let pieces = 8usize;
        let size = bytes.len().div_ceil(pieces).max(1);
        let mut chunks = VecDeque::new();
        let mut start = 0;
        while start < bytes.len() {
            let end = (start + size).min(bytes.len());
            chunks.push_back(bytes.slice(start..end));
            start = end;
        }
        FakeBody::Slow {
            pause: total / chunks.len().max(1) as u32,
            len: bytes.len() as u64,
            chunks,
            sleep: None,
        }
    }
}

/// The error a truncated body ends with.
#[derive(Debug)]
pub struct Cut;

impl std::fmt::Display for Cut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("fakellm: body truncated on purpose")
    }
}

impl std::error::Error for Cut {}

impl Body for FakeBody {
    type Data = Bytes;
    type Error = Cut;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Cut>>> {
        match self.get_mut() {
            FakeBody::Full(bytes) => Poll::Ready(bytes.take().map(|b| Ok(Frame::data(b)))),
            FakeBody::Truncated { part, pause, .. } => {
                if let Some(b) = part.take() {
                    return Poll::Ready(Some(Ok(Frame::data(b))));
                }
                // Let the partial body reach the client before the connection is cut.
                let timer = pause
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(Duration::from_millis(20))));
                match timer.as_mut().poll(cx) {
                    Poll::Pending => Poll::Pending,
                    Poll::Ready(()) => Poll::Ready(Some(Err(Cut))),
                }
            }
            FakeBody::Slow {
                chunks,
                pause,
                sleep,
                ..
            } => {
                if chunks.is_empty() {
                    return Poll::Ready(None);
                }
                let timer = sleep.get_or_insert_with(|| Box::pin(tokio::time::sleep(*pause)));
                match timer.as_mut().poll(cx) {
                    Poll::Pending => Poll::Pending,
                    Poll::Ready(()) => {
                        *sleep = None;
                        Poll::Ready(chunks.pop_front().map(|b| Ok(Frame::data(b))))
                    }
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            FakeBody::Full(b) => b.is_none(),
            FakeBody::Truncated { .. } => false,
            FakeBody::Slow { chunks, .. } => chunks.is_empty(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            FakeBody::Full(Some(b)) => SizeHint::with_exact(b.len() as u64),
            FakeBody::Full(None) => SizeHint::with_exact(0),
            FakeBody::Truncated { full_len, .. } => SizeHint::with_exact(*full_len),
            FakeBody::Slow { len, .. } => SizeHint::with_exact(*len),
        }
    }
}
