//! The page shown instead of the app when the engine cannot start (e.g. a typo in the
//! config file): the user sees the message with its file and line, not a silent exit.
//!
//! It is served by its own URI scheme so it works without the front end's assets.

use crate::StartupError;
use std::borrow::Cow;
use tauri::http::{header, Request, Response};
use tauri::{App, Manager, UriSchemeContext, WebviewUrl, WebviewWindowBuilder, Wry};

/// The scheme the error page is served from.
pub(crate) const SCHEME: &str = "frontdesk-error";

/// Opens the main window on the error page.
pub(crate) fn open(app: &mut App) -> tauri::Result<()> {
    // Custom schemes are `scheme://localhost/` on Linux and macOS but
    // `http://scheme.localhost/` on Windows (WebView2 cannot load unknown schemes).
    let url = if cfg!(windows) {
        format!("http://{SCHEME}.localhost/")
    } else {
        format!("{SCHEME}://localhost/")
    };
    let url = url.parse().expect("the error page URL is valid");
    WebviewWindowBuilder::new(app, "main", WebviewUrl::CustomProtocol(url))
        .title("Frontdesk could not start")
        .inner_size(760.0, 460.0)
        .build()?;
    Ok(())
}

/// Answers every request on [`SCHEME`] with the error page.
pub(crate) fn serve(
    ctx: UriSchemeContext<'_, Wry>,
    _request: Request<Vec<u8>>,
) -> Response<Cow<'static, [u8]>> {
    let message = ctx
        .app_handle()
        .try_state::<StartupError>()
        .map(|e| e.0.clone())
        .unwrap_or_else(|| "Frontdesk is running; this page has nothing to show.".into());
    Response::builder()
        .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
        .body(Cow::Owned(page(&message).into_bytes()))
        .expect("a static response is valid")
}

/// The HTML of the page; the message goes in `#startup-error`, escaped.
fn page(message: &str) -> String {
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Frontdesk could not start</title>
<style>
 body {{ font: 15px/1.5 system-ui, sans-serif; margin: 2rem; color: #1f2933; background: #f5f7fa; }}
 h1 {{ font-size: 1.3rem; color: #b42318; }}
 pre {{ white-space: pre-wrap; background: #fff; border: 1px solid #d0d5dd; padding: 1rem; border-radius: 6px; }}
</style></head>
<body>
<h1>Frontdesk could not start</h1>
<pre id="startup-error">{}</pre>
<p>Fix the problem and start Frontdesk again. The config file is <code>$FRONTDESK_CONFIG</code> if set,
else <code>~/.config/frontdesk/config.toml</code> (built-in defaults when it does not exist).</p>
</body></html>
"#,
        escape(message)
    )
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::page;

    #[test]
    fn the_message_is_escaped_into_the_page() {
        let html = page("bad key <sip> at line 3 & more");
        assert!(html
            .contains(r#"<pre id="startup-error">bad key &lt;sip&gt; at line 3 &amp; more</pre>"#));
    }
}
