//! The two languages of Rekam's operator-facing messages: Bahasa Indonesia (the default) and English.
//!
//! Domain errors and warnings carry structured data; [`Localize`] renders them for a person. The UI's
//! own strings live in the UI's translation layer; this covers what the domain and the CLI report.

use serde::{Deserialize, Serialize};

/// A language a message can be shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Bahasa Indonesia, the default everywhere.
    #[default]
    Id,
    /// English, for trainers and developers.
    En,
}

impl Lang {
    /// Picks the Indonesian or the English text.
    pub fn pick<'a>(self, id: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Id => id,
            Lang::En => en,
        }
    }
}

impl std::str::FromStr for Lang {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "id" | "ind" | "indonesia" => Ok(Lang::Id),
            "en" | "eng" | "english" => Ok(Lang::En),
            other => Err(format!("unknown language '{other}' (use id or en)")),
        }
    }
}

/// Something that can be told to a person in either language.
pub trait Localize {
    /// The message in `lang`, a complete sentence.
    fn localize(&self, lang: Lang) -> String;
}
