//! The benchmark programs' command lines, read alike: cargo's `--bench` passed over, `--help`
//! printing the usage, and every usage error followed by it and ending the program with 2.

use std::fmt::Display;
use std::process::ExitCode;
use std::str::FromStr;

/// A benchmark's command line (the arguments after the program's name), read option by option.
pub struct CommandLine {
    args: std::vec::IntoIter<String>,
    usage: &'static str,
}

impl CommandLine {
    /// This process's arguments; `usage` is what `--help` prints and what follows every error.
    pub fn new(usage: &'static str) -> CommandLine {
        CommandLine::from_args(std::env::args().skip(1), usage)
    }

    /// These arguments (without the program's name), for tests.
    pub fn from_args(args: impl IntoIterator<Item = String>, usage: &'static str) -> CommandLine {
        CommandLine {
            args: args.into_iter().collect::<Vec<_>>().into_iter(),
            usage,
        }
    }

    /// The next option, passing over the `--bench` that cargo gives harness-less bench targets.
    pub fn next_option(&mut self) -> Option<String> {
        self.args.by_ref().find(|a| a != "--bench")
    }

    /// The value after option `name`, parsed: an error (with the usage) if it is missing, the
    /// parser's error if it does not parse.
    pub fn value<T: FromStr>(&mut self, name: &str) -> Result<T, String>
    where
        T::Err: Display,
    {
        let text = self
            .args
            .next()
            .ok_or(format!("{name} needs a value\n{}", self.usage))?;
        text.parse().map_err(|e: T::Err| e.to_string())
    }

    /// For `-h`/`--help`: prints the usage and gives `None`, nothing to run.
    pub fn help<A>(&self) -> Option<A> {
        println!("{}", self.usage);
        None
    }

    /// The error for an option the program does not know, with the usage.
    pub fn unknown(&self, option: &str) -> String {
        format!("unknown argument `{option}`\n{}", self.usage)
    }
}

/// The parsed options, or the exit code to end with when there is nothing to run: success after
/// `--help` (`Ok(None)`), 2 after a usage error, which is printed as `error: ...`.
pub fn options<A, E: Display>(parsed: Result<Option<A>, E>) -> Result<A, ExitCode> {
    match parsed {
        Ok(Some(args)) => Ok(args),
        Ok(None) => Err(ExitCode::SUCCESS),
        Err(e) => {
            eprintln!("error: {e}");
            Err(ExitCode::from(2))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(args: &[&str]) -> CommandLine {
        CommandLine::from_args(args.iter().map(|a| a.to_string()), "usage: x")
    }

    #[test]
    fn options_and_values() {
        let mut cl = line(&["--bench", "--runs", "3", "--debug", "--bench"]);
        assert_eq!(cl.next_option().as_deref(), Some("--runs"));
        assert_eq!(cl.value::<usize>("--runs"), Ok(3));
        assert_eq!(cl.next_option().as_deref(), Some("--debug"));
        assert_eq!(cl.next_option(), None);
    }

    #[test]
    fn bad_values_say_why() {
        let mut cl = line(&["--runs", "x"]);
        cl.next_option();
        assert_eq!(
            cl.value::<usize>("--runs"),
            Err("invalid digit found in string".into())
        );
        let mut cl = line(&["--runs"]);
        cl.next_option();
        assert_eq!(
            cl.value::<usize>("--runs"),
            Err("--runs needs a value\nusage: x".into())
        );
        assert_eq!(cl.unknown("--what"), "unknown argument `--what`\nusage: x");
        assert_eq!(cl.help::<()>(), None);
    }

    #[test]
    fn usage_errors_and_help_end_the_program() {
        assert!(matches!(options::<u8, String>(Ok(Some(3))), Ok(3)));
        assert_eq!(
            options::<u8, String>(Ok(None)).err(),
            Some(ExitCode::SUCCESS)
        );
        assert_eq!(
            options::<u8, String>(Err("bad".into())).err(),
            Some(ExitCode::from(2))
        );
    }
}
