//! Validates a config file and prints either the parsed result or the error,
//! e.g. `cargo run -p frontdesk-config --example check_config -- frontdesk.toml`.

fn main() {
    let Some(path) = std::env::args_os().nth(1) else {
        eprintln!("usage: check_config <config.toml>");
        std::process::exit(2);
    };
    match frontdesk_config::Config::load(std::path::Path::new(&path)) {
        Ok(config) => println!("{config:#?}"),
        Err(err) => {
            eprintln!("error: {err}");
            std::process::exit(1);
        }
    }
}
