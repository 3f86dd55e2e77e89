//! The officer cards of a training station's simulated reader. They are PIV virtual cards
//! (`rekam_smartcard::PivCard`), personalised with a key and a certificate of their own and
//! issued to a user exactly as a real card is (the station records the card's key after the card
//! has signed a challenge); the wallet is where the training station keeps them between runs, as
//! an office keeps its cards in a drawer. The simulated reader never makes a card up: logging in
//! "inserts" the card issued to the user named, and the card, its PIN and its signature decide.
//!
//! The wallet is `training-cards.json` in the data directory, mode 0600, written whole and
//! renamed into place. It holds the cards' private keys: training cards only; a production
//! station has no wallet and no simulated reader.

use std::path::{Path, PathBuf};

use anyhow::Context;
use rekam_smartcard::PivCard;
use serde::{Deserialize, Serialize};

/// The wallet's file name in the data directory.
pub const FILE: &str = "training-cards.json";

/// The PIN of the training card issued to a training station's first supervisor at setup (the
/// README and the login screen say so); cards issued later get the PIN the supervisor types.
pub const FIRST_CARD_PIN: &str = "246813";

#[derive(Serialize, Deserialize)]
struct Entry {
    username: String,
    /// `PivCard::to_json`.
    card: String,
}

/// See the module documentation.
#[derive(Debug)]
pub struct Wallet {
    path: PathBuf,
    cards: Vec<(String, PivCard)>,
}

impl Wallet {
    /// The wallet of the station in `data_dir`; empty when there is no file yet.
    pub fn load(data_dir: &Path) -> anyhow::Result<Wallet> {
        let path = data_dir.join(FILE);
        let cards = match std::fs::read_to_string(&path) {
            Ok(text) => {
                let entries: Vec<Entry> = serde_json::from_str(&text)
                    .with_context(|| format!("{} is not a card wallet", path.display()))?;
                entries
                    .into_iter()
                    .map(|e| Ok((e.username, PivCard::from_json(&e.card)?)))
                    .collect::<Result<_, rekam_smartcard::SmartcardError>>()
                    .with_context(|| format!("a card in {}", path.display()))?
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        };
        Ok(Wallet { path, cards })
    }

    /// The card last put in the wallet for `username`.
    pub fn card_of(&self, username: &str) -> Option<&PivCard> {
        let username = username.trim();
        self.cards
            .iter()
            .rev()
            .find(|(u, _)| u.eq_ignore_ascii_case(username))
            .map(|(_, c)| c)
    }

    /// Usernames that hold a card, in the order the cards were added.
    pub fn holders(&self) -> Vec<&str> {
        self.cards.iter().map(|(u, _)| u.as_str()).collect()
    }

    /// Keeps `card` for `username` and writes the wallet.
    pub fn add(&mut self, username: &str, card: PivCard) -> anyhow::Result<()> {
        self.cards.push((username.trim().to_owned(), card));
        self.save()
    }

    /// Writes the wallet whole and renames it into place.
    fn save(&self) -> anyhow::Result<()> {
        let entries = self
            .cards
            .iter()
            .map(|(u, c)| {
                Ok(Entry {
                    username: u.clone(),
                    card: c.to_json()?,
                })
            })
            .collect::<Result<Vec<_>, rekam_smartcard::SmartcardError>>()?;
        let text = serde_json::to_string_pretty(&entries)?;
        let tmp = self.path.with_file_name(format!("{FILE}.tmp"));
        {
            use std::io::Write;
            use std::os::unix::fs::OpenOptionsExt;
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o600)
                .open(&tmp)
                .with_context(|| format!("writing {}", tmp.display()))?;
            f.write_all(text.as_bytes())?;
            f.sync_all()?;
        }
        std::fs::rename(&tmp, &self.path)
            .with_context(|| format!("writing {}", self.path.display()))?;
        Ok(())
    }
}

/// On a training station, issues the first supervisor a training card at setup (PIN
/// [`FIRST_CARD_PIN`]), through the store like any card: personalised, kept in the wallet, its
/// key recorded after it signed a challenge. A production station gets no card this way: its
/// supervisor issues real ones (`rekam user issue-card`).
pub fn issue_first_card(store: &mut crate::store::Store) -> anyhow::Result<()> {
    use crate::store::Role;
    if !store.station().mode.is_training() {
        return Ok(());
    }
    let Some(first) = store
        .list_users()?
        .into_iter()
        .find(|u| u.role == Role::Supervisor && u.active)
    else {
        return Ok(());
    };
    let sup = store.user(first.id)?.context("the first supervisor")?;
    // The same path as any training card issued later: personalised into the wallet, logged in.
    let proof = super::live::card_to_issue(
        &store.paths().data_dir,
        &super::DeviceSettings::default(),
        rekam_device::Backend::Simulated,
        &sup.username,
        &sup.full_name,
        FIRST_CARD_PIN,
    )?;
    store.issue_card(&sup, &sup.username, &proof)?;
    Ok(())
}
