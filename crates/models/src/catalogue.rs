//! The standard whisper.cpp ggml models by name, and the rules for model names and files.
//!
//! Sizes are rough (for "this will download about 150 MB"), not checks: the digest is what
//! proves a download right. No digests are listed here on purpose: they come from the user or
//! from the server (its `SHA256SUMS`, or the digest it announces for the file), never from a
//! table that could go stale.

use crate::ModelError;

/// Where whisper.cpp's project publishes its ggml models; `ggml-<name>.bin` lies below it.
pub const DEFAULT_BASE_URL: &str = "https://huggingface.co/ggerganov/whisper.cpp/resolve/main";

/// The model installed when the user chooses none: multilingual (the voicemail detects the
/// language by default) and still quick on a small machine.
pub const DEFAULT_MODEL: &str = "base";

/// Which languages a model understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Languages {
    /// English only (`.en` models): a little better at English than the same size multilingual.
    English,
    /// About a hundred languages, detected per message.
    Multilingual,
}

/// One model of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CatalogueEntry {
    /// The name users type (`base.en`); the file is [`file_name`] of it.
    pub name: &'static str,
    /// Rough download size in megabytes (10^6 bytes), to warn before big downloads.
    pub approx_mb: u32,
    /// English only or multilingual.
    pub languages: Languages,
    /// One line on when to choose it.
    pub note: &'static str,
}

const fn entry(
    name: &'static str,
    approx_mb: u32,
    languages: Languages,
    note: &'static str,
) -> CatalogueEntry {
    CatalogueEntry {
        name,
        approx_mb,
        languages,
        note,
    }
}

use Languages::{English, Multilingual};

/// The standard whisper.cpp ggml models, smallest first within each family.
pub const CATALOGUE: &[CatalogueEntry] = &[
    entry("tiny", 78, Multilingual, "fastest, rough"),
    entry("tiny.en", 78, English, "fastest, rough; English only"),
    entry(
        "base",
        148,
        Multilingual,
        "the default: quick and good enough for voicemail",
    ),
    entry("base.en", 148, English, "quick; English only"),
    entry(
        "small",
        488,
        Multilingual,
        "better, about 3x slower than base",
    ),
    entry("small.en", 488, English, "better; English only"),
    entry(
        "medium",
        1533,
        Multilingual,
        "good, slow without a fast CPU",
    ),
    entry("medium.en", 1533, English, "good; English only"),
    entry("large-v1", 3095, Multilingual, "large, first version"),
    entry("large-v2", 3095, Multilingual, "large, second version"),
    entry("large-v3", 3095, Multilingual, "best, very slow on a CPU"),
    entry(
        "large-v3-turbo",
        1624,
        Multilingual,
        "nearly large-v3, much faster",
    ),
    entry(
        "tiny-q5_1",
        32,
        Multilingual,
        "tiny, quantised: smaller download",
    ),
    entry("tiny.en-q5_1", 32, English, "tiny.en, quantised"),
    entry("tiny-q8_0", 44, Multilingual, "tiny, 8-bit quantised"),
    entry(
        "base-q5_1",
        60,
        Multilingual,
        "base, quantised: smaller download",
    ),
    entry("base.en-q5_1", 60, English, "base.en, quantised"),
    entry("base-q8_0", 82, Multilingual, "base, 8-bit quantised"),
    entry("small-q5_1", 190, Multilingual, "small, quantised"),
    entry("small.en-q5_1", 190, English, "small.en, quantised"),
    entry("small-q8_0", 264, Multilingual, "small, 8-bit quantised"),
    entry("medium-q5_0", 539, Multilingual, "medium, quantised"),
    entry("medium.en-q5_0", 539, English, "medium.en, quantised"),
    entry("medium-q8_0", 823, Multilingual, "medium, 8-bit quantised"),
    entry("large-v2-q5_0", 1080, Multilingual, "large-v2, quantised"),
    entry(
        "large-v2-q8_0",
        1660,
        Multilingual,
        "large-v2, 8-bit quantised",
    ),
    entry("large-v3-q5_0", 1080, Multilingual, "large-v3, quantised"),
    entry(
        "large-v3-turbo-q5_0",
        574,
        Multilingual,
        "large-v3-turbo, quantised",
    ),
    entry(
        "large-v3-turbo-q8_0",
        874,
        Multilingual,
        "large-v3-turbo, 8-bit quantised",
    ),
];

/// The catalogue entry called `name`, if it is a standard model. Other names are allowed (a
/// server may offer more), they just have no size to show.
pub fn lookup(name: &str) -> Option<&'static CatalogueEntry> {
    CATALOGUE.iter().find(|entry| entry.name == name)
}

/// Checks that `name` can name a model file: letters, digits, `.`, `-`, `_`, not starting
/// with a dot, at most 100 characters. This keeps names from reaching outside the models
/// folder (`../x`) or the URL path.
pub fn validate_name(name: &str) -> Result<(), ModelError> {
    let ok = !name.is_empty()
        && name.len() <= 100
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if ok {
        Ok(())
    } else {
        Err(ModelError::BadName {
            name: name.to_owned(),
        })
    }
}

/// The file a model is stored and published as: `ggml-<name>.bin`.
pub fn file_name(name: &str) -> Result<String, ModelError> {
    validate_name(name)?;
    Ok(format!("ggml-{name}.bin"))
}

/// The model name in a file name `ggml-<name>.bin`; `None` for other files.
pub fn name_from_file(file: &str) -> Option<&str> {
    let name = file.strip_prefix("ggml-")?.strip_suffix(".bin")?;
    validate_name(name).ok().map(|()| name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_has_the_standard_models_once_each() {
        for name in [
            "tiny",
            "tiny.en",
            "base",
            "base.en",
            "small",
            "small.en",
            "medium",
            "medium.en",
            "large-v3",
            "large-v3-turbo",
        ] {
            assert!(lookup(name).is_some(), "{name} missing");
        }
        let mut names: Vec<&str> = CATALOGUE.iter().map(|e| e.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), CATALOGUE.len(), "a name is listed twice");
        for entry in CATALOGUE {
            validate_name(entry.name).unwrap();
            assert!(entry.approx_mb > 10, "{entry:?}");
            assert_eq!(
                entry.languages == Languages::English,
                entry.name.contains(".en"),
                "{entry:?}"
            );
        }
        assert!(lookup(DEFAULT_MODEL).is_some());
        assert!(lookup("huge").is_none());
    }

    #[test]
    fn sizes_grow_with_the_model() {
        let mb = |name| lookup(name).unwrap().approx_mb;
        assert!(mb("tiny") < mb("base"));
        assert!(mb("base") < mb("small"));
        assert!(mb("small") < mb("medium"));
        assert!(mb("medium") < mb("large-v3"));
        assert!(mb("base-q5_1") < mb("base"));
    }

    #[test]
    fn names_map_to_files_and_back() {
        assert_eq!(file_name("base.en").unwrap(), "ggml-base.en.bin");
        assert_eq!(
            file_name("large-v3-turbo-q5_0").unwrap(),
            "ggml-large-v3-turbo-q5_0.bin"
        );
        assert_eq!(name_from_file("ggml-base.en.bin"), Some("base.en"));
        assert_eq!(name_from_file("ggml-tiny.bin.part"), None);
        assert_eq!(name_from_file("base.bin"), None);
        assert_eq!(name_from_file("ggml-.bin"), None);
    }

    #[test]
    fn names_that_could_escape_the_folder_or_url_are_refused() {
        for bad in [
            "", ".", "..", "../x", "a/b", "a\\b", ".hidden", "a b", "ä", "x?y", "x#y",
        ] {
            let error = file_name(bad).unwrap_err();
            assert!(
                error.to_string().contains("frontdesk model list"),
                "{bad:?}: {error}"
            );
        }
        assert!(validate_name(&"a".repeat(101)).is_err());
        assert!(validate_name(&"a".repeat(100)).is_ok());
    }
}
