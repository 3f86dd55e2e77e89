//! What every screen may read: the store's handle, the language, the station's settings and
//! devices, who is logged in; and the one way a screen writes ([`Ctx::write`]).

use crate::devices::DeviceSettings;
use crate::devices::doctor::Diagnosis;
use crate::devices::live::Backends;
use crate::lang::Lang;
use crate::store::{Paths, Store, User};
use crate::ui::db::{Db, Failure};
use crate::ui::i18n::Tr;

#[derive(Debug)]
pub struct Ctx {
    pub db: Option<Db>,
    pub tr: Tr,
    pub paths: Paths,
    pub settings: DeviceSettings,
    pub backends: Backends,
    pub diagnoses: Vec<Diagnosis>,
    pub user: Option<User>,
    pub fast_devices: bool,
}

impl Ctx {
    pub fn lang(&self) -> Lang {
        self.tr.lang()
    }

    /// The station's mode, once the store is open.
    pub fn station_mode(&self) -> Option<crate::domain::StationMode> {
        self.db.as_ref().map(|db| db.station().mode)
    }

    /// A training station (or one not set up yet): marked as such on every screen.
    pub fn training(&self) -> bool {
        self.station_mode() != Some(crate::domain::StationMode::Production)
    }

    /// The storage handle; screens that need it are only shown once the store is open.
    pub fn db(&self) -> Result<&Db, Failure> {
        self.db
            .as_ref()
            .ok_or_else(|| Failure::internal("the store is not open"))
    }

    /// The logged-in user (every screen after login has one).
    pub fn user(&self) -> Result<User, Failure> {
        self.user
            .clone()
            .ok_or_else(|| Failure::internal("nobody is logged in"))
    }

    /// Runs `f` on the storage thread as the logged-in user: how a screen writes. The job is
    /// sent at once (like [`Db::call`]), so its effects (progress sent from it) do not wait for
    /// the future to be polled. Without an open store or a user the future resolves to the
    /// failure at once, so a screen always hears back through the same message.
    pub fn write<T, F>(&self, f: F) -> impl Future<Output = Result<T, Failure>> + Send + use<T, F>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store, &User) -> Result<T, Failure> + Send + 'static,
    {
        let call = self
            .db()
            .cloned()
            .and_then(|db| Ok((db, self.user()?)))
            .map(|(db, user)| db.call(move |store| f(store, &user)));
        async move { call?.await }
    }
}
