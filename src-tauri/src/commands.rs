//! The IPC commands the web front end invokes: thin adapters over [`Backend`], so the
//! desktop app and the daemon's HTTP API offer exactly the same operations.
//!
//! Names and argument names are part of the contract with `ui/` (its Tauri backend calls
//! `invoke("dial", { request })` etc.); errors reach the page as the serialised [`ApiError`].

use crate::Shell;
use frontdesk_api::{
    ApiError, Backend, CallAction, CallInfo, DialRequest, HistoryEntry, Lamp, Status,
    TransferRequest,
};
use tauri::State;

type Reply<T> = Result<T, ApiError>;

/// Accounts, listen addresses and the number of calls.
#[tauri::command]
pub async fn status(shell: State<'_, Shell>) -> Reply<Status> {
    shell.engine.status().await
}

/// Places a call.
#[tauri::command]
pub async fn dial(shell: State<'_, Shell>, request: DialRequest) -> Reply<CallInfo> {
    shell.engine.dial(request).await
}

/// Answers an incoming call (the ringing one when `call` is absent).
#[tauri::command]
pub async fn answer(shell: State<'_, Shell>, call: Option<String>) -> Reply<CallInfo> {
    shell.engine.answer(call).await
}

/// Hangs up, cancels or declines a call.
#[tauri::command]
pub async fn hangup(shell: State<'_, Shell>, call: Option<String>) -> Reply<CallInfo> {
    shell.engine.hangup(call).await
}

/// Any user action on a call (answer, hang up, decline, busy...).
#[tauri::command]
pub async fn act(
    shell: State<'_, Shell>,
    call: Option<String>,
    action: CallAction,
) -> Reply<CallInfo> {
    shell.engine.act(call, action).await
}

/// Transfers a call, blind or announced.
#[tauri::command]
pub async fn transfer(
    shell: State<'_, Shell>,
    call: Option<String>,
    request: TransferRequest,
) -> Reply<CallInfo> {
    shell.engine.transfer(call, request).await
}

/// Keypad input to a call.
#[tauri::command]
pub async fn keys(shell: State<'_, Shell>, keys: String, call: Option<String>) -> Reply<()> {
    shell.engine.keys(keys, call).await
}

/// The busy-lamp panel.
#[tauri::command]
pub async fn lamps(shell: State<'_, Shell>) -> Reply<Vec<Lamp>> {
    shell.engine.lamps().await
}

/// Calls that have not ended.
#[tauri::command]
pub async fn calls(shell: State<'_, Shell>) -> Reply<Vec<CallInfo>> {
    shell.engine.calls().await
}

/// The newest `limit` history entries.
#[tauri::command]
pub async fn history(shell: State<'_, Shell>, limit: usize) -> Reply<Vec<HistoryEntry>> {
    shell.engine.history(limit).await
}
