//! The translation layer of the kiosk: every visible string is looked up here by key.
//!
//! The catalogs are `assets/i18n/<area>.toml`, one per screen or area, each key with its
//! Indonesian (`id`) and English (`en`) text side by side so that a translator sees both:
//!
//! ```toml
//! # assets/i18n/queue.toml
//! [call_next]
//! id = "Panggil berikutnya"
//! en = "Call next"
//! ```
//!
//! A key is written `<area>.<name>` in code (`tr.t("<area>.<name>")`). Texts may hold
//! `{name}` placeholders, filled by [`Tr::f`]. The tests check that every key used in `src/ui`
//! exists in both languages, that both languages have the same placeholders, and that no
//! catalog entry is unused.

use std::collections::HashMap;
use std::fmt::Display;
use std::sync::LazyLock;

use crate::lang::Lang;

/// The catalogs, compiled in: `(area, toml)`.
pub(crate) const CATALOGS: &[(&str, &str)] = &[
    ("app", include_str!("../../assets/i18n/app.toml")),
    ("setup", include_str!("../../assets/i18n/setup.toml")),
    ("login", include_str!("../../assets/i18n/login.toml")),
    ("queue", include_str!("../../assets/i18n/queue.toml")),
    ("intake", include_str!("../../assets/i18n/intake.toml")),
    ("verify", include_str!("../../assets/i18n/verify.toml")),
    ("face", include_str!("../../assets/i18n/face.toml")),
    ("fingers", include_str!("../../assets/i18n/fingers.toml")),
    ("iris", include_str!("../../assets/i18n/iris.toml")),
    ("capture", include_str!("../../assets/i18n/capture.toml")),
    (
        "exception",
        include_str!("../../assets/i18n/exception.toml"),
    ),
    (
        "signature",
        include_str!("../../assets/i18n/signature.toml"),
    ),
    ("review", include_str!("../../assets/i18n/review.toml")),
    ("finish", include_str!("../../assets/i18n/finish.toml")),
    ("register", include_str!("../../assets/i18n/register.toml")),
    ("devices", include_str!("../../assets/i18n/devices.toml")),
    ("close", include_str!("../../assets/i18n/close.toml")),
    ("users", include_str!("../../assets/i18n/users.toml")),
    (
        "applicant",
        include_str!("../../assets/i18n/applicant.toml"),
    ),
];

/// Marks a string constant as a translation key, for keys kept in tables (the catalog test
/// finds keys by the calls `.t("…")`, `.f("…")` and `tk("…")`).
pub const fn tk(key: &'static str) -> &'static str {
    key
}

/// One entry: the text in each language.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Entry {
    pub id: String,
    pub en: String,
}

/// Every key (`area.name`) with its texts.
pub(crate) type Catalog = HashMap<String, Entry>;

/// Parses the catalogs. An error names the file and the problem.
pub(crate) fn parse(catalogs: &[(&str, &str)]) -> Result<Catalog, String> {
    let mut all = Catalog::new();
    for (area, source) in catalogs {
        let entries: HashMap<String, Entry> =
            toml::from_str(source).map_err(|e| format!("assets/i18n/{area}.toml: {e}"))?;
        for (name, entry) in entries {
            all.insert(format!("{area}.{name}"), entry);
        }
    }
    Ok(all)
}

static CATALOG: LazyLock<Catalog> = LazyLock::new(|| {
    // The catalogs are compiled in and checked by the tests; a broken one is a build defect,
    // shown as bracketed keys rather than a crash at the desk.
    parse(CATALOGS).unwrap_or_default()
});

/// Looks up texts in one language. Cheap to copy; views take it by value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tr(pub Lang);

impl Tr {
    pub fn lang(self) -> Lang {
        self.0
    }

    /// The text of `key`. A missing key shows as `[key]` (the tests make sure there is none).
    pub fn t(self, key: &str) -> String {
        match CATALOG.get(key) {
            Some(e) => match self.0 {
                Lang::Id => e.id.clone(),
                Lang::En => e.en.clone(),
            },
            None => format!("[{key}]"),
        }
    }

    /// The text of `key` with its `{name}` placeholders filled from `args`.
    pub fn f(self, key: &str, args: &[(&str, &dyn Display)]) -> String {
        fill(&self.t(key), args)
    }
}

/// Replaces each `{name}` in `text` by the matching argument; unknown placeholders stay.
pub(crate) fn fill(text: &str, args: &[(&str, &dyn Display)]) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                match args.iter().find(|(n, _)| *n == name) {
                    Some((_, v)) => out.push_str(&v.to_string()),
                    None => {
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                    }
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// The `{name}` placeholders of a text, sorted.
#[cfg(test)]
pub(crate) fn placeholders(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else { break };
        names.push(after[..close].to_owned());
        rest = &after[close + 1..];
    }
    names.sort();
    names.dedup();
    names
}

/// Keys used in Rust source: string literals passed to `.t(` or `.f(` that look like
/// `area.name`.
#[cfg(test)]
pub(crate) fn keys_used_in(source: &str) -> Vec<String> {
    let mut keys = Vec::new();
    for pattern in [".t(", ".f(", "tk("] {
        let mut rest = source;
        while let Some(at) = rest.find(pattern) {
            let after = rest[at + pattern.len()..].trim_start();
            if let Some(quoted) = after.strip_prefix('"')
                && let Some(end) = quoted.find('"')
                && is_key(&quoted[..end])
            {
                keys.push(quoted[..end].to_owned());
            }
            rest = &rest[at + pattern.len()..];
        }
    }
    keys
}

#[cfg(test)]
fn is_key(s: &str) -> bool {
    let mut parts = s.splitn(2, '.');
    let (Some(area), Some(name)) = (parts.next(), parts.next()) else {
        return false;
    };
    let ok = |p: &str| {
        !p.is_empty()
            && p.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.')
    };
    ok(area) && ok(name) && CATALOGS.iter().any(|(a, _)| *a == area)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::path::Path;

    fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("src/ui is readable") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    fn used_keys() -> BTreeSet<String> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        rust_files(&root.join("src/ui"), &mut files);
        let mut keys = BTreeSet::new();
        for f in files {
            let source = std::fs::read_to_string(&f).expect("source is readable");
            keys.extend(keys_used_in(&source));
        }
        keys
    }

    #[test]
    fn every_catalog_parses_and_every_file_is_compiled_in() {
        parse(CATALOGS).expect("catalogs parse");
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/i18n");
        let on_disk: BTreeSet<String> = std::fs::read_dir(dir)
            .expect("assets/i18n")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .map(|p| {
                p.file_stem()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        let compiled: BTreeSet<String> = CATALOGS.iter().map(|(a, _)| (*a).to_owned()).collect();
        assert_eq!(on_disk, compiled, "assets/i18n and CATALOGS differ");
    }

    #[test]
    fn every_key_has_both_languages_with_the_same_placeholders() {
        let catalog = parse(CATALOGS).expect("catalogs parse");
        let mut problems = Vec::new();
        for (key, e) in &catalog {
            if e.id.trim().is_empty() {
                problems.push(format!("{key}: no Indonesian text"));
            }
            if e.en.trim().is_empty() {
                problems.push(format!("{key}: no English text"));
            }
            if placeholders(&e.id) != placeholders(&e.en) {
                problems.push(format!("{key}: placeholders differ between id and en"));
            }
        }
        problems.sort();
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn every_key_used_in_the_ui_is_in_the_catalog_and_every_entry_is_used() {
        let catalog = parse(CATALOGS).expect("catalogs parse");
        let used = used_keys();
        let missing: Vec<_> = used.iter().filter(|k| !catalog.contains_key(*k)).collect();
        assert!(
            missing.is_empty(),
            "keys used but not in assets/i18n: {missing:?}"
        );
        let mut unused: Vec<_> = catalog.keys().filter(|k| !used.contains(*k)).collect();
        unused.sort();
        assert!(unused.is_empty(), "catalog entries never used: {unused:?}");
    }

    #[test]
    fn a_missing_entry_is_detected() {
        // The check above must be able to fail: a catalog lacking a key that the source uses.
        let catalog =
            parse(&[("queue", "[title]\nid = \"Antrean\"\nen = \"Queue\"\n")]).expect("parses");
        let used =
            keys_used_in("let a = tr.t(\"queue.title\"); let b = tr.f(\"queue.gone\", &[]);");
        assert_eq!(used, vec!["queue.title", "queue.gone"]);
        assert!(!catalog.contains_key("queue.gone"));
        // An entry lacking a language does not even parse.
        assert!(parse(&[("queue", "[title]\nid = \"Antrean\"\n")]).is_err());
    }

    #[test]
    fn placeholders_are_filled() {
        assert_eq!(
            fill(
                "Nomor {ticket} ke loket {desk}",
                &[("ticket", &"A-007"), ("desk", &2)]
            ),
            "Nomor A-007 ke loket 2"
        );
        assert_eq!(fill("{unknown} {", &[]), "{unknown} {");
        assert_eq!(placeholders("{b} and {a} and {b}"), vec!["a", "b"]);
    }
}
