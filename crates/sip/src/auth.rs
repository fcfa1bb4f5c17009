//! Digest authentication that knows when to give up.
//!
//! ezk's `DigestAuthenticator` computes the answers (MD5, SHA-256, 401 and 407); this wrapper
//! adds what a phone needs: a second challenge for the same request that is not `stale`
//! means the password is wrong, and must end in an error instead of a retry loop.

use ezk_sip_auth::{ClientAuthenticator, DigestAuthenticator, DigestCredentials, DigestUser};
use ezk_sip_auth::{RequestParts, ResponseParts};
use ezk_sip_core::transaction::TsxResponse;
use ezk_sip_core::transport::OutgoingRequest;
use ezk_sip_types::Headers;

/// Why authentication cannot go on.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AuthError {
    /// We have no password for this account.
    #[error("the server asks for a password and none is set: run `frontdesk account set-password {0}` or set password_env")]
    NoPassword(String),
    /// The server refused the credentials we sent.
    #[error("the server refused the user name or password ({0})")]
    Rejected(u16),
    /// The challenge could not be answered (unsupported algorithm, no realm).
    #[error("the server's authentication challenge cannot be answered: {0}")]
    Unanswerable(String),
}

/// Credentials for one account plus the challenge bookkeeping of one request sequence.
pub struct Authenticator {
    account: String,
    has_password: bool,
    digest: DigestAuthenticator,
    challenges_for_request: u32,
}

impl Authenticator {
    /// Credentials that answer a challenge from any realm.
    pub fn new(account: &str, user: &str, password: Option<&str>) -> Self {
        let mut credentials = DigestCredentials::new();
        if let Some(password) = password {
            credentials.set_default(DigestUser::new(
                user.to_string(),
                password.as_bytes().to_vec(),
            ));
        }
        Self {
            account: account.to_string(),
            has_password: password.is_some(),
            digest: DigestAuthenticator::new(credentials),
            challenges_for_request: 0,
        }
    }

    /// Adds cached Authorization headers to a new request.
    pub fn authorize(&mut self, headers: &mut Headers) {
        self.digest.authorize_request(headers);
    }

    /// Marks the start of a new request (not a retry), so the next challenge counts as first.
    pub fn new_request(&mut self) {
        self.challenges_for_request = 0;
    }

    /// Takes a 401/407 for `request`; `Ok` means: send the request again, authorized.
    pub fn challenged(
        &mut self,
        request: &OutgoingRequest,
        response: &TsxResponse,
    ) -> Result<(), AuthError> {
        let code = response.line.code.into_u16();
        if !self.has_password {
            return Err(AuthError::NoPassword(self.account.clone()));
        }
        self.challenges_for_request += 1;
        if self.challenges_for_request > 1 && !is_stale(response) {
            return Err(AuthError::Rejected(code));
        }
        self.digest
            .handle_rejection(
                RequestParts {
                    line: &request.msg.line,
                    headers: &request.msg.headers,
                    body: &request.msg.body,
                },
                ResponseParts {
                    line: &response.line,
                    headers: &response.headers,
                    body: &response.body,
                },
            )
            .map_err(|e| AuthError::Unanswerable(e.to_string()))
    }
}

/// `stale=true` means our credentials were right but the nonce expired: retry silently.
fn is_stale(response: &TsxResponse) -> bool {
    use ezk_sip_types::Name;
    response
        .headers
        .iter()
        .filter(|(name, _)| **name == Name::WWW_AUTHENTICATE || **name == Name::PROXY_AUTHENTICATE)
        .any(|(_, value)| {
            value
                .to_ascii_lowercase()
                .replace(' ', "")
                .contains("stale=true")
        })
}
