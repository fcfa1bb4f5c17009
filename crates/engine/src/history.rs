//! The call history on SQLite, kept off the async threads.

use frontdesk_api::{ApiError, CallDirection, HistoryEntry};
use frontdesk_store::{CallId, Direction, NewCall, Store, StoreError, Timestamp};
use std::path::Path;
use std::sync::{Arc, Mutex};

/// Shared handle on the store; every call runs on the blocking pool.
#[derive(Clone)]
pub(crate) struct History {
    store: Arc<Mutex<Store>>,
}

impl History {
    /// Opens (and migrates) the database, and closes calls a crash left open.
    pub(crate) async fn open(path: &Path) -> anyhow::Result<History> {
        let path = path.to_path_buf();
        let store = tokio::task::spawn_blocking(move || -> anyhow::Result<Store> {
            let store = Store::open(&path)?;
            let closed = store.close_dangling_calls(Timestamp::now())?;
            if closed > 0 {
                tracing::warn!(
                    "{closed} calls were still open from an earlier run; marked interrupted"
                );
            }
            Ok(store)
        })
        .await??;
        Ok(History {
            store: Arc::new(Mutex::new(store)),
        })
    }

    /// Runs `work` on the store on the blocking pool (the inbox shares the database).
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Store) -> Result<T, frontdesk_store::StoreError> + Send + 'static,
    ) -> Result<T, String> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || {
            let store = store
                .lock()
                .map_err(|_| "the history store is poisoned".to_string())?;
            work(&store).map_err(|e| e.to_string())
        })
        .await
        .map_err(|e| e.to_string())?
    }

    /// [`History::run`] for the control API: a store error keeps its kind (an unknown voicemail
    /// or contact is "not found", bad input a "bad request"); anything else is internal.
    pub(crate) async fn api<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, ApiError> {
        self.run(move |s| Ok(work(s)))
            .await
            .map_err(ApiError::internal)?
            .map_err(api_error)
    }

    /// Records a new call; `None` when the store failed (the call goes on regardless).
    pub(crate) async fn started(&self, call: NewCall) -> Option<CallId> {
        self.run(move |s| s.insert_call(&call))
            .await
            .map_err(|e| tracing::error!("history: {e}"))
            .ok()
    }

    pub(crate) async fn answered(&self, id: Option<CallId>, at: i64) {
        if let Some(id) = id {
            let _ = self
                .run(move |s| s.mark_answered(id, Timestamp::from_millis(at)))
                .await
                .map_err(|e| tracing::error!("history: {e}"));
        }
    }

    pub(crate) async fn ended(&self, id: Option<CallId>, at: i64, reason: String) {
        if let Some(id) = id {
            let _ = self
                .run(move |s| s.mark_ended(id, Timestamp::from_millis(at), &reason))
                .await
                .map_err(|e| tracing::error!("history: {e}"));
        }
    }

    /// The newest `limit` entries in the API's shape.
    pub(crate) async fn list(&self, limit: usize) -> Result<Vec<HistoryEntry>, String> {
        let records = self.run(move |s| s.history(limit)).await?;
        Ok(records
            .into_iter()
            .map(|r| HistoryEntry {
                id: r.id.0,
                direction: match r.direction {
                    Direction::Incoming => CallDirection::Incoming,
                    Direction::Outgoing => CallDirection::Outgoing,
                },
                account: r.account,
                remote_uri: r.remote_uri,
                remote_display: r.remote_number.clone(),
                remote_number: r.remote_number,
                remote_name: r.remote_display_name,
                started_at: r.started_at.as_millis(),
                answered_at: r.answered_at.map(Timestamp::as_millis),
                ended_at: r.ended_at.map(Timestamp::as_millis),
                duration_seconds: r.duration_secs.unwrap_or(0),
                end_reason: r.end_reason,
            })
            .collect())
    }
}

/// A store error as the control API reports it.
fn api_error(error: StoreError) -> ApiError {
    match error {
        StoreError::MessageNotFound(id) => crate::inbox::not_found(id.0),
        StoreError::ContactNotFound(id) => ApiError::not_found(format!(
            "no contact {id}; `frontdesk ctl contacts` lists them"
        )),
        StoreError::InvalidUtcOffset(_)
        | StoreError::InvalidCategory(_)
        | StoreError::InvalidContact(_) => ApiError::bad_request(error.to_string()),
        other => ApiError::internal(other.to_string()),
    }
}
