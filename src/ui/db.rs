//! The storage thread: the kiosk's one [`Store`] lives on a thread of its own, and screens send
//! it closures. SQLite (and the sealing of biometric blobs) never runs on the UI thread, and
//! every write is serialised in the order the operator made it.

use std::fmt::Debug;
use std::sync::Arc;
use std::sync::mpsc;

use iced::futures::channel::oneshot;

use crate::lang::{Lang, Localize};
use crate::store::Store;

type Job = Box<dyn FnOnce(&mut Store) + Send>;

/// A handle to the storage thread. Cloning is cheap; the thread ends when the last handle goes.
#[derive(Debug, Clone)]
pub struct Db {
    jobs: mpsc::Sender<Job>,
    station: Arc<crate::store::Station>,
    data_dir: Arc<std::path::PathBuf>,
}

impl Db {
    /// Moves `store` onto a thread named `rekam-store`.
    pub fn start(store: Store) -> std::io::Result<Db> {
        let station = Arc::new(store.station().clone());
        let data_dir = Arc::new(store.paths().data_dir.clone());
        let (jobs, rx) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("rekam-store".into())
            .spawn(move || {
                let mut store = store;
                for job in rx {
                    job(&mut store);
                }
            })?;
        Ok(Db {
            jobs,
            station,
            data_dir,
        })
    }

    /// The station this store belongs to (read once at start).
    pub fn station(&self) -> &crate::store::Station {
        &self.station
    }

    pub fn data_dir(&self) -> &std::path::Path {
        &self.data_dir
    }

    /// Runs `f` on the storage thread; the future resolves with its result.
    pub fn call<T, F>(&self, f: F) -> impl Future<Output = Result<T, Failure>> + Send + use<T, F>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store) -> Result<T, Failure> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let sent = self
            .jobs
            .send(Box::new(move |store: &mut Store| {
                // A panic in a job must not take the storage thread down with it: the store's
                // transactions roll back, and the screen gets an error it can show.
                let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(store)))
                    .unwrap_or_else(|_| Err(Failure::internal("storage job panicked")));
                let _ = tx.send(result);
            }))
            .is_ok();
        async move {
            if !sent {
                return Err(Failure::internal("storage thread has stopped"));
            }
            rx.await
                .unwrap_or_else(|_| Err(Failure::internal("storage thread has stopped")))
        }
    }
}

/// Something that can be told to the operator, in either language.
pub trait Problem: Localize + Debug + Send + Sync {}
impl<T: Localize + Debug + Send + Sync> Problem for T {}

/// An error on its way to the screen: `Clone` so that it can travel in messages, rendered in
/// the language of the moment when shown.
#[derive(Debug, Clone)]
pub struct Failure(Arc<dyn Problem>);

impl Failure {
    pub fn new(problem: impl Problem + 'static) -> Failure {
        Failure(Arc::new(problem))
    }

    /// A failure of the program itself (a bug or a lost thread), shown with a plea to restart.
    pub fn internal(what: &str) -> Failure {
        Failure::new(Internal(what.to_owned()))
    }

    /// A failure from a library that reports in English only (an `anyhow` chain).
    pub fn other(e: impl std::fmt::Display) -> Failure {
        Failure::new(Internal(e.to_string()))
    }

    pub fn text(&self, lang: Lang) -> String {
        self.0.localize(lang)
    }
}

impl<E: Problem + 'static> From<E> for Failure {
    fn from(e: E) -> Failure {
        Failure::new(e)
    }
}

#[derive(Debug)]
struct Internal(String);

impl Localize for Internal {
    fn localize(&self, lang: Lang) -> String {
        match lang {
            Lang::Id => format!(
                "Terjadi kesalahan program ({}). Data yang sudah tersimpan aman; mulai ulang aplikasi bila berulang.",
                self.0
            ),
            Lang::En => format!(
                "A program error occurred ({}). Data already stored is safe; restart the application if it happens again.",
                self.0
            ),
        }
    }
}

/// Runs blocking work (encoding, decoding, a card reader, a printer, the file system) on a named
/// thread of its own; the future resolves with its result without blocking the UI's executor.
pub async fn off_thread<T: Send + 'static>(
    name: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Failure> {
    let (tx, rx) = oneshot::channel();
    std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || {
            let _ = tx.send(f());
        })
        .map_err(Failure::other)?;
    rx.await
        .map_err(|_| Failure::internal("a worker thread stopped"))
}
