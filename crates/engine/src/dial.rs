//! Placing calls: from an account (identity, credentials, codecs of that account) or, with
//! no account, directly to a `sip:` address on the network.

use crate::accounts::{default_codecs, Account};
use crate::calls::{self, Party};
use crate::Engine;
use frontdesk_api::{ApiError, CallDirection, CallInfo, CallState, DialRequest};
use frontdesk_media::Codec;
use frontdesk_sip::account::{direct_target_uri, parse_uri, uri_to_string, uri_user};
use frontdesk_sip::auth::Authenticator;
use frontdesk_sip::call::{spawn_outgoing, DtmfMode, NameAddr, OutgoingCall};
use frontdesk_sip::net::advertised;
use std::net::SocketAddr;

/// Where a call comes from: the account (if any), the SIP call and our codecs.
struct Origin {
    account: Option<String>,
    call: OutgoingCall,
    codecs: Vec<Codec>,
    dtmf: DtmfMode,
}

/// What a call placed for a transfer or a pickup carries besides its target.
#[derive(Debug, Default, Clone)]
pub(crate) struct Extras {
    /// `Replaces` header value (RFC 3891).
    pub(crate) replaces: Option<String>,
    /// `Referred-By` value (RFC 3892).
    pub(crate) referred_by: Option<String>,
    /// The call whose far end asked for this one (REFER): it hears how this call goes.
    pub(crate) progress_to: Option<u64>,
    /// Dial the target as it is, without reading keypad codes (`*8` pickup) in it.
    pub(crate) literal: bool,
    /// Audio other than the `[audio]` devices: the voicemail's forward calls talk through
    /// program audio, never through the user's microphone and speaker.
    pub(crate) audio: Option<frontdesk_media::AudioConfig>,
}

impl Engine {
    /// Places a call; see [`frontdesk_api::Backend::dial`].
    pub(crate) async fn dial_call(&self, request: DialRequest) -> Result<CallInfo, ApiError> {
        self.dial_with(request, Extras::default()).await
    }

    /// Places a call with the extras transfers and pickups need.
    pub(crate) async fn dial_with(
        &self,
        request: DialRequest,
        extras: Extras,
    ) -> Result<CallInfo, ApiError> {
        let account = match &request.account {
            Some(name) => Some(self.accounts.by_name(name).ok_or_else(|| {
                ApiError::not_found(format!(
                    "there is no account named {name}; `frontdesk ctl status` lists them"
                ))
            })?),
            None => self.accounts.default_for_dialing(),
        };
        if let (Some(account), false) = (account, extras.literal) {
            if let Some(call) = self.pickup(account, &request.target).await? {
                return Ok(call);
            }
        }
        let origin = match account {
            Some(account) => from_account(account, &request.target).await?,
            None => direct(self.stack.listen_addr(), &request.target)?,
        };
        let number = self.calls.next_id();
        let target = &origin.call.target;
        let party = Party {
            account: origin.account,
            direction: CallDirection::Outgoing,
            remote_uri: uri_to_string(target),
            remote_number: uri_user(target).unwrap_or_default(),
            remote_name: None,
            sip_call_id: String::new(),
            progress_to: extras.progress_to,
            pickable_while_ringing: extras.progress_to.is_none() && extras.audio.is_none(),
        };
        let mut setup = self.call_setup(number, origin.codecs, origin.dtmf);
        if let Some(audio) = extras.audio {
            setup.audio = audio;
        }
        let mut call = origin.call;
        call.replaces = extras.replaces;
        call.referred_by = extras.referred_by;
        Ok(calls::track(
            &self.strong(),
            number,
            party,
            CallState::Dialing,
            move |events| spawn_outgoing(setup, call, events),
        )
        .await)
    }
}

async fn from_account(account: &Account, target: &str) -> Result<Origin, ApiError> {
    let spec = &account.spec;
    let target = spec
        .target_uri_with(&account.dial_plan, target)
        .map_err(|e| ApiError::bad_request(e.0))?;
    let aor = spec.aor().map_err(|e| ApiError::internal(e.0))?;
    let from = match &spec.display_name {
        Some(name) => NameAddr::new(name.clone(), aor),
        None => NameAddr::uri(aor),
    };
    // A missing password only matters if the server asks.
    let password = account.password().await;
    Ok(Origin {
        account: Some(spec.name.clone()),
        call: OutgoingCall {
            from,
            contact_user: spec.user.clone(),
            contact_transport: spec.transport.uri_param(),
            target,
            auth: Authenticator::new(&spec.name, spec.auth_user(), password.as_deref()),
            replaces: None,
            referred_by: None,
        },
        codecs: account.codecs(),
        dtmf: account.dtmf_mode(),
    })
}

/// A call without an account: only full addresses, from `sip:frontdesk@<our address>`.
fn direct(listen: SocketAddr, target: &str) -> Result<Origin, ApiError> {
    let target = direct_target_uri(target).map_err(|e| ApiError::bad_request(e.0))?;
    let towards = target
        .host_port
        .ip()
        .map(|ip| SocketAddr::new(ip, target.host_port.port.unwrap_or(5060)))
        .unwrap_or(listen);
    let from = parse_uri(&format!("sip:frontdesk@{}", advertised(listen, towards)))
        .map_err(|e| ApiError::internal(e.0))?;
    Ok(Origin {
        account: None,
        call: OutgoingCall {
            from: NameAddr::uri(from),
            contact_user: "frontdesk".into(),
            contact_transport: None,
            target,
            auth: Authenticator::new("direct", "", None),
            replaces: None,
            referred_by: None,
        },
        codecs: default_codecs(),
        dtmf: DtmfMode::default(),
    })
}
