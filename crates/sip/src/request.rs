//! Sending one non-INVITE request, with digest retries and a bounded wait.

use crate::auth::{AuthError, Authenticator};
use ezk_sip_core::transaction::TsxResponse;
use ezk_sip_core::transport::TargetTransportInfo;
use ezk_sip_core::{Endpoint, Request};
use std::time::Duration;

/// Why a request got no usable final response.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    /// No final response in time: the server is down or unreachable.
    #[error("no answer from the server within {0:?}")]
    Timeout(Duration),
    /// The transport failed (connection refused, no route).
    #[error("cannot reach the server: {0}")]
    Transport(String),
    /// The server wants credentials we cannot give.
    #[error(transparent)]
    Auth(#[from] AuthError),
}

/// Sends the request built by `build` (called again for each authorized retry, so CSeq can
/// advance) and returns the first final response that is not a challenge we can answer.
pub async fn send_authorized(
    endpoint: &Endpoint,
    target: &mut TargetTransportInfo,
    auth: &mut Authenticator,
    wait: Duration,
    mut build: impl FnMut() -> Request,
) -> Result<TsxResponse, RequestError> {
    auth.new_request();
    loop {
        let mut request = build();
        auth.authorize(&mut request.headers);
        let mut transaction = endpoint
            .send_request(request, target)
            .await
            .map_err(|e| RequestError::Transport(e.to_string()))?;
        let response = match tokio::time::timeout(wait, transaction.receive_final()).await {
            Err(_) => return Err(RequestError::Timeout(wait)),
            Ok(Err(ezk_sip_core::Error::RequestTimedOut)) => {
                return Err(RequestError::Timeout(wait))
            }
            Ok(Err(e)) => {
                // A broken connection must be re-selected on the next attempt.
                target.transport = None;
                return Err(RequestError::Transport(e.to_string()));
            }
            Ok(Ok(response)) => response,
        };
        match response.line.code.into_u16() {
            401 | 407 => auth.challenged(transaction.request(), &response)?,
            _ => return Ok(response),
        }
    }
}
