//! Free space on the disk holding the data directory, and the floor under which the station
//! refuses to start new recordings (so that a full disk never interrupts one already started and
//! never costs what is already recorded).

use std::path::Path;

use super::StoreError;

/// Free space against the configured floor, in MB (10^6 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct DiskSpace {
    pub free_mb: u64,
    pub floor_mb: u64,
}

impl DiskSpace {
    /// Under the floor: new recordings are refused.
    pub fn below_floor(&self) -> bool {
        self.free_mb < self.floor_mb
    }

    /// Within twice the floor: the screens warn before recordings are refused.
    pub fn near_floor(&self) -> bool {
        self.free_mb < self.floor_mb.saturating_mul(2)
    }
}

/// Bytes available to an unprivileged writer on the file system holding `path` (statvfs).
pub fn free_bytes(path: &Path) -> Result<u64, StoreError> {
    let st = rustix::fs::statvfs(path)
        .map_err(|e| StoreError::from_io(std::io::Error::from(e), path))?;
    Ok(st.f_bavail.saturating_mul(st.f_frsize))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_free_space_of_a_real_file_system() {
        let dir = tempfile::tempdir().expect("tempdir");
        let free = free_bytes(dir.path()).expect("statvfs");
        assert!(free > 0);
        assert!(free_bytes(&dir.path().join("missing")).is_err());
        let s = DiskSpace {
            free_mb: 150,
            floor_mb: 100,
        };
        assert!(!s.below_floor() && s.near_floor());
    }
}
