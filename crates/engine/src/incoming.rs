//! New incoming INVITEs: which account they are for, ghost-call filtering, then ringing.

use crate::calls::{self, Party};
use crate::Engine;
use frontdesk_api::{CallDirection, CallState};
use frontdesk_sip::call::spawn_incoming;
use frontdesk_sip::IncomingInvite;
use std::sync::Arc;

/// Takes incoming INVITEs from the SIP stack for as long as the engine lives.
pub(crate) fn spawn_listener(engine: &Arc<Engine>) {
    let weak = Arc::downgrade(engine);
    let stack = engine.stack.clone();
    tokio::spawn(async move {
        while let Some(invite) = stack.next_incoming().await {
            let Some(engine) = weak.upgrade() else { return };
            tokio::spawn(async move { route(&engine, invite).await });
        }
    });
}

/// Where an incoming call belongs.
enum Route {
    /// To this account (by name), answering with this Contact user.
    Account(String, String),
    /// A direct call on the local network, to no account.
    Direct,
    /// Not for us: refused with 403.
    Refuse(&'static str),
}

fn route_for(engine: &Engine, invite: &IncomingInvite) -> Route {
    let called = invite.called_user().unwrap_or_default();
    let source = invite.source().ip();
    let accounts = engine.accounts.all();
    if let Some(account) = accounts.iter().find(|a| a.config.user == called) {
        // An account registered through a proxy only takes calls from that proxy: INVITEs
        // straight from the network are SIP scanners' ghost calls.
        return match account.proxy_ip() {
            Some(proxy) if proxy != source => {
                Route::Refuse("INVITE for a proxied account not from its proxy")
            }
            _ => Route::Account(account.config.name.clone(), account.config.user.clone()),
        };
    }
    if accounts.iter().any(|a| a.proxy_ip() == Some(source)) {
        // A proxy of ours forwarding for a user we do not know: take it as the first account's.
        let account = accounts
            .iter()
            .find(|a| a.proxy_ip() == Some(source))
            .expect("just found");
        return Route::Account(account.config.name.clone(), account.config.user.clone());
    }
    if accounts.iter().any(|a| a.proxy_ip().is_some()) {
        return Route::Refuse("INVITE from outside the configured proxies");
    }
    Route::Direct
}

async fn route(engine: &Arc<Engine>, invite: IncomingInvite) {
    let (account, contact_user) = match route_for(engine, &invite) {
        Route::Account(name, user) => (Some(name), user),
        Route::Direct => (
            None,
            invite.called_user().unwrap_or_else(|| "frontdesk".into()),
        ),
        Route::Refuse(why) => {
            tracing::info!(source = %invite.source(), "refusing a call: {why}");
            invite
                .reject(frontdesk_sip::call::StatusCode::FORBIDDEN)
                .await;
            return;
        }
    };
    let codecs = account
        .as_deref()
        .and_then(|name| engine.accounts.by_name(name))
        .map(|a| a.codecs())
        .unwrap_or_else(crate::accounts::default_codecs);
    if let Err((status, why)) = invite.precheck(&codecs) {
        tracing::info!(source = %invite.source(), "refusing a call: {why}");
        invite.reject(status).await;
        return;
    }
    let dtmf = account
        .as_deref()
        .and_then(|name| engine.accounts.by_name(name))
        .map(|a| a.dtmf_mode())
        .unwrap_or_default();
    // An INVITE with Replaces takes over one of our calls (a transfer's target side).
    let replaced = match invite.replaces() {
        None => None,
        Some(Ok(replaces)) => match engine.calls.replaced_by(&replaces) {
            Ok(old) => Some(old),
            Err(status) => {
                tracing::info!(source = %invite.source(), "refusing an INVITE with Replaces: {status}");
                invite
                    .reject(frontdesk_sip::call::StatusCode::from(status))
                    .await;
                return;
            }
        },
        Some(Err(())) => {
            invite
                .reject(frontdesk_sip::call::StatusCode::BAD_REQUEST)
                .await;
            return;
        }
    };
    // In mailbox mode the message goes to the extension that forwarded the call, else to
    // the number called.
    let mailbox = invite.diverted_from().or_else(|| invite.called_user());
    let number = engine.calls.next_id();
    let party = Party {
        account,
        direction: CallDirection::Incoming,
        remote_uri: invite.caller_uri(),
        remote_number: invite.caller_number(),
        remote_name: invite.caller_name(),
        sip_call_id: invite.call_id(),
        progress_to: None,
        pickable_while_ringing: false,
    };
    let setup = engine.call_setup(number, codecs, dtmf);
    let mut new_call = None;
    calls::track(engine, number, party, CallState::Incoming, |events| {
        let handle = spawn_incoming(setup, invite, contact_user, events);
        new_call = Some(handle.clone());
        handle
    })
    .await;
    let Some(new) = new_call else { return };
    match replaced {
        Some(old) => {
            // The replacing call is answered without ringing, and the old one ends (RFC 3891).
            let _ = new.send(frontdesk_sip::call::CallCommand::Answer);
            let _ = old.send(frontdesk_sip::call::CallCommand::Hangup);
            engine.emit(frontdesk_api::Event::Notice {
                message: format!("call c{number} replaces an earlier call"),
            });
        }
        None => crate::voicemail::watch_ringing(engine, number, new, mailbox),
    }
}
