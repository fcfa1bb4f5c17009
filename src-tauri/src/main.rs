//! The Frontdesk desktop app. See the library for what it does.

// No console window next to the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() -> std::process::ExitCode {
    frontdesk_desktop::run()
}
