//! The device settings under the station's control: only a supervisor changes them, every change
//! is audited with its old and new values, a production station refuses a simulator in them, and
//! a settings file changed outside Rekam is found at start (audited, and shown to the
//! supervisor).
//!
//! The file (`devices.toml`) stays the one place the settings live, so that an office can read
//! it; the database keeps the text Rekam last wrote or acknowledged (`device_settings`), which is
//! what a file changed by hand is compared with.

use std::collections::BTreeMap;

use rusqlite::{OptionalExtension, params};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::WorkflowError;
use crate::devices::settings::{DeviceSettings, Mode, settings_path};
use crate::domain::StationMode;
use crate::store::{Store, StoreError, User, audit, users};

/// One setting that changed: its dotted name (`fingerprint.mode`), and its values before and
/// after as TOML (`None`: not there).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Change {
    pub key: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
        write!(f, "{}: {} → {}", self.key, show(&self.old), show(&self.new))
    }
}

/// What the start-up check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingsCheck {
    /// The file is as Rekam last wrote it (or was recorded now for the first time).
    Unchanged,
    /// The file was changed outside Rekam: what changed (audited).
    ChangedOutside(Vec<Change>),
}

/// Every leaf of the settings as `dotted.key -> TOML value`.
fn flatten(settings: &DeviceSettings) -> BTreeMap<String, String> {
    fn walk(prefix: &str, value: &toml::Value, out: &mut BTreeMap<String, String>) {
        match value {
            toml::Value::Table(table) => {
                for (k, v) in table {
                    let key = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(&key, v, out);
                }
            }
            other => {
                out.insert(prefix.to_owned(), other.to_string());
            }
        }
    }
    let mut out = BTreeMap::new();
    if let Ok(value) = toml::Value::try_from(settings) {
        walk("", &value, &mut out);
    }
    out
}

/// What differs between two settings, key by key.
pub fn changes(old: &DeviceSettings, new: &DeviceSettings) -> Vec<Change> {
    let (old, new) = (flatten(old), flatten(new));
    let keys: std::collections::BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    keys.into_iter()
        .filter(|k| old.get(*k) != new.get(*k))
        .map(|k| Change {
            key: k.clone(),
            old: old.get(k).cloned(),
            new: new.get(k).cloned(),
        })
        .collect()
}

/// The device classes set to `simulated`, by their settings' names.
pub fn simulated_classes(settings: &DeviceSettings) -> Vec<&'static str> {
    [
        ("fingerprint", settings.fingerprint.mode),
        ("face_camera", settings.face_camera.mode),
        ("iris_camera", settings.iris_camera.mode),
        ("smartcard", settings.smartcard.mode),
        ("signature_pad", settings.signature_pad.mode),
    ]
    .into_iter()
    .filter(|(_, m)| *m == Mode::Simulated)
    .map(|(name, _)| name)
    .collect()
}

fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

impl Store {
    /// The settings text as Rekam last recorded it, if ever.
    fn recorded_settings(&self) -> Result<Option<(String, String)>, StoreError> {
        self.conn()
            .query_row(
                "SELECT sha256, body FROM device_settings WHERE id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| self.sql_error(e))
    }

    /// Saves new device settings: a supervisor only (read from the database); on a production
    /// station no class may be `simulated`. Writes the file atomically, then records its text
    /// and one audit row with every change. Returns the changes (none: nothing written).
    pub fn save_device_settings(
        &mut self,
        by: &User,
        new: &DeviceSettings,
    ) -> Result<Vec<Change>, WorkflowError> {
        if !users::is_active_supervisor(self.conn(), by.id).map_err(|e| self.sql_error(e))? {
            return Err(WorkflowError::NotSupervisor("change_settings"));
        }
        if self.station().mode == StationMode::Production
            && let Some(class) = simulated_classes(new).first()
        {
            return Err(WorkflowError::SimulatedOnProduction((*class).to_owned()));
        }
        let dir = self.paths().data_dir.clone();
        let old = DeviceSettings::load(&dir).unwrap_or_default();
        let changed = changes(&old, new);
        let body = new.to_toml();
        let unchanged_record = self
            .recorded_settings()?
            .is_some_and(|(sha, _)| sha == sha256_hex(&body));
        if changed.is_empty() && unchanged_record {
            return Ok(changed);
        }
        let file = settings_path(&dir);
        new.save(&dir).map_err(|e| StoreError::Io {
            path: file.clone(),
            source: std::sync::Arc::new(std::io::Error::other(e.to_string())),
        })?;
        let sha = sha256_hex(&body);
        self.write(|tx, ctx| {
            tx.execute(
                "INSERT INTO device_settings (id, sha256, body, saved_by, saved_at)
                 VALUES (1, ?1, ?2, ?3, ?4)
                 ON CONFLICT (id) DO UPDATE SET sha256 = ?1, body = ?2, saved_by = ?3, saved_at = ?4",
                params![sha, body, by.id, ctx.now],
            )
            .map_err(|e| ctx.sql(e))?;
            ctx.audit(
                tx,
                &audit::Entry {
                    actor_id: Some(by.id),
                    action: "settings.change",
                    entity: "device_settings",
                    entity_id: Some(1),
                    detail: json!({ "sha256": sha, "changes": changed }),
                },
            )?;
            Ok::<_, WorkflowError>(())
        })?;
        Ok(changed)
    }

    /// At start: compares the settings file with the text Rekam last recorded. A first start
    /// records it; a file changed outside Rekam is audited with every change and becomes the
    /// recorded text (the kiosk shows what changed). A file that does not parse is left to the
    /// settings loader's own error.
    pub fn check_device_settings(&mut self) -> Result<SettingsCheck, StoreError> {
        let path = settings_path(&self.paths().data_dir);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                DeviceSettings::default().to_toml()
            }
            Err(e) => {
                return Err(StoreError::Io {
                    path,
                    source: std::sync::Arc::new(e),
                });
            }
        };
        let sha = sha256_hex(&text);
        let recorded = self.recorded_settings()?;
        if recorded.as_ref().is_some_and(|(s, _)| *s == sha) {
            return Ok(SettingsCheck::Unchanged);
        }
        let Ok(now) = DeviceSettings::parse(&text) else {
            return Ok(SettingsCheck::Unchanged);
        };
        let (action, changed) = match &recorded {
            None => ("settings.recorded", Vec::new()),
            Some((_, body)) => {
                let before = DeviceSettings::parse(body).unwrap_or_default();
                ("settings.changed_outside", changes(&before, &now))
            }
        };
        self.write(|tx, ctx| {
            tx.execute(
                "INSERT INTO device_settings (id, sha256, body, saved_by, saved_at)
                 VALUES (1, ?1, ?2, NULL, ?3)
                 ON CONFLICT (id) DO UPDATE SET sha256 = ?1, body = ?2, saved_by = NULL, saved_at = ?3",
                params![sha, text, ctx.now],
            )
            .map_err(|e| ctx.sql(e))?;
            ctx.audit(
                tx,
                &audit::Entry {
                    actor_id: None,
                    action,
                    entity: "device_settings",
                    entity_id: Some(1),
                    detail: json!({ "sha256": sha, "file": path.display().to_string(), "changes": changed }),
                },
            )?;
            Ok::<_, StoreError>(())
        })?;
        Ok(match recorded {
            None => SettingsCheck::Unchanged,
            Some(_) => SettingsCheck::ChangedOutside(changed),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_name_each_key_with_its_old_and_new_value() {
        let old = DeviceSettings::default();
        let mut new = old.clone();
        new.fingerprint.mode = Mode::Simulated;
        new.kiosk.desk = 3;
        let c = changes(&old, &new);
        assert_eq!(
            c,
            vec![
                Change {
                    key: "fingerprint.mode".into(),
                    old: Some("\"auto\"".into()),
                    new: Some("\"simulated\"".into()),
                },
                Change {
                    key: "kiosk.desk".into(),
                    old: Some("1".into()),
                    new: Some("3".into()),
                },
            ]
        );
        assert_eq!(c[1].to_string(), "kiosk.desk: 1 → 3");
        assert!(changes(&old, &old).is_empty());
        assert_eq!(simulated_classes(&new), vec!["fingerprint"]);
    }
}
