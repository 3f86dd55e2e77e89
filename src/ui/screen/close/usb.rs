//! Where the day's batch goes: the USB drive mounted under the configured folder, and an
//! acknowledgement file the receiver put beside the batch.

use std::path::{Path, PathBuf};

use iced::Task;

use super::Message;
use crate::ui::ctx::Ctx;
use crate::ui::db::off_thread;

/// Where the export goes by default, and an acknowledgement found there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub folder: PathBuf,
    pub ack: Option<PathBuf>,
}

/// The folder the export goes to by default: the first writable mounted directory under `root`
/// (a USB drive at `<root>/<label>` or `<root>/<user>/<label>`), else `root` itself.
pub fn default_folder(root: &Path) -> PathBuf {
    let mut candidates = Vec::new();
    for child in directories(root) {
        let grandchildren = directories(&child);
        candidates.push(child);
        candidates.extend(grandchildren);
    }
    candidates
        .into_iter()
        .find(|d| is_mount_point(d) && rustix::fs::access(d, rustix::fs::Access::WRITE_OK).is_ok())
        .unwrap_or_else(|| root.to_path_buf())
}

/// The directories in `dir`, by name.
fn directories(dir: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// A directory on another file system than its parent's.
fn is_mount_point(dir: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let (Some(parent), Ok(meta)) = (dir.parent(), std::fs::metadata(dir)) else {
        return false;
    };
    std::fs::metadata(parent).is_ok_and(|p| p.dev() != meta.dev())
}

/// The newest acknowledgement file (`*.ack.json`) in `dir`.
pub fn latest_ack(dir: &Path) -> Option<PathBuf> {
    std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".ack.json"))
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .max()
        .map(|(_, path)| path)
}

/// Looks for the USB drive off the UI thread.
pub(super) fn find_folder(ctx: &Ctx) -> Task<Message> {
    let root = PathBuf::from(&ctx.settings.export.folder);
    Task::perform(
        off_thread("rekam-usb", move || {
            let folder = default_folder(&root);
            let ack = latest_ack(&folder);
            Found { folder, ack }
        }),
        move |found| {
            Message::FolderFound(found.unwrap_or_else(|_| Found {
                folder: PathBuf::new(),
                ack: None,
            }))
        },
    )
}
