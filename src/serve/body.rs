//! Reading a request body within the limits: its size, the read timeout,
//! and the bridge-wide budget of bytes in flight. Both facades use it.

use actix_web::web;
use futures_util::StreamExt;
use tokio::sync::SemaphorePermit;

use super::State;

/// Why a body was not read, with the HTTP status to answer.
pub struct BodyError {
    pub status: u16,
    /// The caller's fault (`true`) or the bridge's load (`false`).
    pub client: bool,
    pub message: String,
}

/// The body, and the share of the in-flight budget it holds until dropped.
pub struct Body<'s> {
    pub bytes: web::BytesMut,
    _permits: Vec<SemaphorePermit<'s>>,
}

pub async fn read<'s>(mut payload: web::Payload, state: &'s State) -> Result<Body<'s>, BodyError> {
    let mut bytes = web::BytesMut::new();
    let mut permits = Vec::new();
    let now = tokio::time::Instant::now();
    let deadline = now
        .checked_add(state.limits.read_timeout)
        .unwrap_or(now + std::time::Duration::from_secs(86_400));
    loop {
        let chunk = match tokio::time::timeout_at(deadline, payload.next()).await {
            Ok(Some(chunk)) => chunk,
            Ok(None) => break,
            Err(_) => {
                return Err(BodyError {
                    status: 408,
                    client: true,
                    message: format!(
                        "the request body did not arrive within {} s",
                        state.limits.read_timeout.as_secs()
                    ),
                });
            }
        };
        let Ok(chunk) = chunk else {
            return Err(BodyError {
                status: 400,
                client: true,
                message: "the request body could not be read".into(),
            });
        };
        // Reserve the chunk's memory from the bridge-wide budget.
        let kib = (chunk.len() as u32).div_ceil(1024);
        match state.inflight.try_acquire_many(kib) {
            Ok(p) => permits.push(p),
            Err(_) => {
                return Err(BodyError {
                    status: 503,
                    client: false,
                    message: "the bridge is busy: too many large requests in flight; retry later"
                        .into(),
                });
            }
        }
        if bytes.len() + chunk.len() > state.limits.max_body {
            return Err(BodyError {
                status: 413,
                client: true,
                message: format!(
                    "the request body is larger than {} bytes",
                    state.limits.max_body
                ),
            });
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(Body {
        bytes,
        _permits: permits,
    })
}
