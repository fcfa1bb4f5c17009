//! The Frontdesk desktop app: the engine runs in this process and the web front end (`ui/`)
//! drives it through Tauri IPC commands, the same operations the daemon serves over HTTP.
//!
//! - Config: `$FRONTDESK_CONFIG` if set (tests point it at a temp file), else the daemon's
//!   rule ([`Config::load_preferred`]): the user's config file, else the embedded default.
//! - Every engine [`Event`] is emitted to the page as [`EVENT`].
//! - The page shows desktop notifications (new voicemail) through tauri-plugin-notification.
//! - A `sip:`/`tel:` link given as the first argument is dialled once the page has loaded
//!   (see [`launch`]); the page learns about the call from the engine's events like any other.
//! - Closing the window (or SIGTERM/SIGINT/SIGHUP) shuts the engine down cleanly: calls are
//!   hung up and registrations removed before the process exits.
//! - If the config cannot be read or the engine cannot start, the window shows an error
//!   page with the message instead of the app, and the process exits with status 2.

mod commands;
mod error_page;
pub mod launch;

use frontdesk_api::{Backend, DialRequest, Event};
use frontdesk_config::Config;
use frontdesk_engine::Engine;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tauri::webview::PageLoadEvent;
use tauri::{App, AppHandle, Emitter, Manager, RunEvent, WebviewWindowBuilder};
use tokio::sync::broadcast::error::RecvError;

/// Name of the Tauri event that carries every engine [`Event`] to the page.
pub const EVENT: &str = "frontdesk://event";

/// Environment variable naming the config file to use instead of the default rule.
pub const CONFIG_ENV: &str = "FRONTDESK_CONFIG";

/// How long a clean shutdown (BYE for every call, un-REGISTER) may take before we exit anyway,
/// so a dead registrar cannot keep a closed app alive.
const SHUTDOWN_LIMIT: Duration = Duration::from_secs(10);

/// What the commands reach through Tauri's state.
pub(crate) struct Shell {
    pub(crate) engine: Arc<Engine>,
}

/// Why the engine is not running; shown by the error page.
pub(crate) struct StartupError(pub(crate) String);

/// Runs the app until its window is closed; the exit code is 2 if the engine never started.
pub fn run() -> ExitCode {
    init_tracing();
    let link = std::env::args().nth(1);
    let app = tauri::Builder::default()
        .plugin(tauri_plugin_notification::init())
        .register_uri_scheme_protocol(error_page::SCHEME, error_page::serve)
        .invoke_handler(tauri::generate_handler![
            commands::status,
            commands::dial,
            commands::answer,
            commands::hangup,
            commands::act,
            commands::transfer,
            commands::keys,
            commands::calls,
            commands::lamps,
            commands::history,
            commands::do_not_disturb,
            commands::set_do_not_disturb,
            commands::inbox,
            commands::voicemail,
            commands::mark_read,
            commands::delete_voicemail,
            commands::export_voicemail,
            commands::inbox_counts,
            commands::voicemail_audio,
            commands::contacts,
            commands::import_contacts,
            commands::delete_contact,
            commands::speech_models,
            commands::install_speech_model,
        ])
        .setup(move |app| setup(app, link))
        .build(tauri::generate_context!());
    let app = match app {
        Ok(app) => app,
        Err(e) => {
            eprintln!("frontdesk-desktop: cannot open the app window: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = app.run_return(|handle, event| match event {
        RunEvent::Exit => shut_down(handle),
        #[cfg(target_os = "macos")]
        RunEvent::Opened { urls } => {
            // macOS hands clicked links to the running app instead of argv.
            for url in urls {
                dial_link(handle, url.as_str());
            }
        }
        _ => {}
    });
    if app_failed_to_start() {
        return ExitCode::from(2);
    }
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

/// Set by `setup` when the engine did not start; read after the event loop ends.
static STARTUP_FAILED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn app_failed_to_start() -> bool {
    STARTUP_FAILED.load(std::sync::atomic::Ordering::SeqCst)
}

/// Starts the engine and opens the main window, or the error page if the engine cannot start.
fn setup(app: &mut App, link: Option<String>) -> Result<(), Box<dyn std::error::Error>> {
    let explicit = std::env::var_os(CONFIG_ENV).map(PathBuf::from);
    let started = tauri::async_runtime::block_on(start_engine(explicit));
    let engine = match started {
        Ok(engine) => engine,
        Err(message) => {
            tracing::error!("{message}");
            STARTUP_FAILED.store(true, std::sync::atomic::Ordering::SeqCst);
            app.manage(StartupError(message));
            error_page::open(app)?;
            return Ok(());
        }
    };
    tracing::info!(sip = %engine.sip_listen_addr(), "engine running");
    app.manage(Shell {
        engine: engine.clone(),
    });
    forward_events(app.handle().clone(), engine);
    #[cfg(unix)]
    exit_on_signals(app.handle().clone());

    let window = app
        .config()
        .app
        .windows
        .iter()
        .find(|w| w.label == "main")
        .ok_or("tauri.conf.json has no window labelled `main`")?
        .clone();
    // The link is dialled after the page has loaded, so the page is there to show the call.
    let pending = Mutex::new(link);
    WebviewWindowBuilder::from_config(app.handle(), &window)?
        .on_page_load(move |webview, payload| {
            if payload.event() != PageLoadEvent::Finished {
                return;
            }
            let link = pending.lock().unwrap_or_else(|e| e.into_inner()).take();
            if let Some(link) = link {
                dial_link(webview.app_handle(), &link);
            }
        })
        .build()?;
    Ok(())
}

/// Loads the config by the shared rule and starts the engine; the error is the message the
/// user sees.
async fn start_engine(explicit: Option<PathBuf>) -> Result<Arc<Engine>, String> {
    let config = Config::load_preferred(explicit.as_deref())
        .map_err(|e| format!("Frontdesk cannot read its configuration.\n\n{e}"))?;
    Engine::start(config)
        .await
        .map_err(|e| format!("Frontdesk could not start its phone engine.\n\n{e:#}"))
}

/// Dials what a `sip:`/`tel:` link names; problems are shown as a notice on the page.
fn dial_link(app: &AppHandle, link: &str) {
    let Some(shell) = app.try_state::<Shell>() else {
        return;
    };
    let engine = shell.engine.clone();
    let app = app.clone();
    let link = link.to_string();
    tauri::async_runtime::spawn(async move {
        let result = match launch::dial_target(&link) {
            Ok(target) => engine
                .dial(DialRequest {
                    target,
                    account: None,
                })
                .await
                .map(|call| tracing::info!(call = %call.id, %link, "dialling link"))
                .map_err(|e| format!("Could not call {link}: {e}")),
            Err(e) => Err(e),
        };
        if let Err(message) = result {
            tracing::warn!("{message}");
            emit(&app, &Event::Notice { message });
        }
    });
}

/// Sends every engine event to the page. If the page falls so far behind that events are
/// dropped, the current accounts and calls are re-sent so it never shows a stale state.
fn forward_events(app: AppHandle, engine: Arc<Engine>) {
    let mut events = engine.subscribe();
    tauri::async_runtime::spawn(async move {
        loop {
            match events.recv().await {
                Ok(event) => emit(&app, &event),
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(
                        missed,
                        "the window fell behind; re-sending the current state"
                    );
                    resend_state(&app, &engine).await;
                }
                Err(RecvError::Closed) => break,
            }
        }
    });
}

async fn resend_state(app: &AppHandle, engine: &Engine) {
    if let Ok(status) = engine.status().await {
        for account in status.accounts {
            emit(app, &Event::Account { account });
        }
    }
    if let Ok(calls) = engine.calls().await {
        for call in calls {
            emit(app, &Event::Call { call });
        }
    }
}

fn emit(app: &AppHandle, event: &Event) {
    if let Err(e) = app.emit(EVENT, event) {
        tracing::warn!("could not pass an event to the window: {e}");
    }
}

/// Turns SIGTERM, SIGINT and SIGHUP (logout, `kill`, Ctrl-C in a terminal) into a normal
/// exit, so the engine is shut down cleanly instead of leaving calls and registrations behind.
#[cfg(unix)]
fn exit_on_signals(app: AppHandle) {
    use tokio::signal::unix::{signal, SignalKind};
    tauri::async_runtime::spawn(async move {
        let (Ok(mut term), Ok(mut int), Ok(mut hup)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
            signal(SignalKind::hangup()),
        ) else {
            tracing::warn!("cannot listen for SIGTERM/SIGINT/SIGHUP; close the window to quit");
            return;
        };
        let name = tokio::select! {
            _ = term.recv() => "SIGTERM",
            _ = int.recv() => "SIGINT",
            _ = hup.recv() => "SIGHUP",
        };
        tracing::info!("{name}: closing");
        app.exit(0);
    });
}

/// Hangs up every call and removes the registrations before the process ends.
fn shut_down(app: &AppHandle) {
    let Some(shell) = app.try_state::<Shell>() else {
        return;
    };
    let engine = shell.engine.clone();
    tracing::info!("quitting: hanging up and unregistering");
    let done = tauri::async_runtime::block_on(async {
        tokio::time::timeout(SHUTDOWN_LIMIT, engine.shutdown()).await
    });
    match done {
        Ok(()) => tracing::info!("engine stopped"),
        Err(_) => tracing::warn!("engine shutdown took over {SHUTDOWN_LIMIT:?}; exiting anyway"),
    }
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
