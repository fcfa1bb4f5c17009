//! `frontdesk daemon`: the engine plus its control API, until SIGINT or SIGTERM.

use crate::cli::DaemonArgs;
use crate::failure::Failure;
use crate::settings;
use frontdesk_engine::Engine;

/// Starts the engine and the control API, waits for a stop signal, then shuts both down:
/// first the API (no new requests), then the engine (un-register, hang up).
pub async fn run(args: DaemonArgs) -> Result<(), Failure> {
    let config = settings::load(args.config.as_deref())?;
    let data_dir = config.data.dir.clone();
    let engine = Engine::start(config)
        .await
        .map_err(|e| Failure::Refused(format!("the engine did not start: {e:#}")))?;
    let control = match frontdesk_control::serve_with_ui(
        engine.clone(),
        &data_dir,
        args.control_listen,
        args.ui.as_deref(),
    )
    .await
    {
        Ok(control) => control,
        Err(e) => {
            engine.shutdown().await;
            return Err(Failure::Usage(e.to_string()));
        }
    };
    if let Some(url) = control.ui_url() {
        // The token is in the fragment; the log is as private as the token file itself
        // (both belong to the user running the daemon).
        tracing::info!("web UI: open {url}");
    }
    tracing::info!(data_dir = %data_dir.display(), "Frontdesk daemon running; stop it with Ctrl-C or SIGTERM");

    let signal = stop_signal().await;
    tracing::info!("{signal}: shutting down");
    if let Err(e) = control.shutdown().await {
        tracing::warn!("could not remove the control files: {e}");
    }
    engine.shutdown().await;
    tracing::info!("stopped");
    Ok(())
}

/// Waits for SIGINT (Ctrl-C) or, on Unix, SIGTERM; names the one that arrived.
async fn stop_signal() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => tokio::select! {
                _ = tokio::signal::ctrl_c() => "SIGINT",
                _ = term.recv() => "SIGTERM",
            },
            Err(e) => {
                tracing::warn!("cannot listen for SIGTERM ({e}); stop with Ctrl-C");
                let _ = tokio::signal::ctrl_c().await;
                "SIGINT"
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl-C"
    }
}
