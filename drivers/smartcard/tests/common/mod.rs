//! The rig for testing against the real PC/SC stack: a `pcscd` each test starts and a guard
//! stops, a lock so that tests take turns (one pcscd per machine), a running monitor with helpers
//! to wait for its events, and the test cards.
//!
//! `REKAM_PCSCD_DEBUG=1` runs pcscd with `-d`; `REKAM_KEEP_PCSCD_LOG=1` keeps its log (APDUs
//! included) in the temporary directory as `rekam-smartcard-pcscd-<pid>.log`.

#![allow(dead_code)] // each test binary uses a part of the rig

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use rekam_device::{Event, Receiver, Worker, channel};
use rekam_smartcard::virtual_card::vpcd::VPCD_READER;
use rekam_smartcard::virtual_card::{ATR, VirtualCard};
use rekam_smartcard::{
    ApplicantCard, CardEvent, CardKey, MonitorEvent, PivCard, SmartcardConfig, list_readers,
    monitor,
};

pub const DEPS: &str = "run packaging/dev/deps.sh (it installs pcscd and vsmartcard-vpcd)";
const SOCKET: &str = "/run/pcscd/pcscd.comm";
const PID_FILE: &str = "/run/pcscd/pcscd.pid";
const SETPRIV: &str = "/usr/bin/setpriv";

static TURN: Mutex<()> = Mutex::new(());

/// One test at a time owns "the" pcscd.
pub fn turn() -> MutexGuard<'static, ()> {
    TURN.lock().unwrap_or_else(PoisonError::into_inner)
}

fn pcscd_path() -> PathBuf {
    for p in ["/usr/sbin/pcscd", "/usr/local/sbin/pcscd", "/sbin/pcscd"] {
        if Path::new(p).exists() {
            return p.into();
        }
    }
    panic!("pcscd is not installed: {DEPS}");
}

/// The pid of a live pcscd owning the socket, if any. The files of a daemon that is gone (or a
/// zombie nobody reaped) are stale: pcscd itself would refuse to start while they exist, so they
/// are removed.
fn running_daemon() -> Option<u32> {
    if !Path::new(SOCKET).exists() {
        return None;
    }
    let pid: Option<u32> = std::fs::read_to_string(PID_FILE)
        .ok()
        .and_then(|p| p.trim().parse().ok());
    let alive = pid.is_some_and(|pid| {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .ok()
            .and_then(|stat| {
                // The state follows the parenthesised command name.
                let state = stat.rsplit_once(')')?.1.trim_start().chars().next()?;
                Some(state != 'Z' && state != 'X')
            })
            .unwrap_or(false)
    });
    if alive {
        return pid;
    }
    let _ = std::fs::remove_file(SOCKET);
    let _ = std::fs::remove_file(PID_FILE);
    None
}

/// A pcscd started by this test; stopped (SIGTERM, then SIGKILL) on drop, even on panic.
pub struct Pcscd {
    child: Child,
    log: PathBuf,
}

impl Pcscd {
    pub fn start() -> Pcscd {
        let path = pcscd_path();
        assert!(
            Path::new("/etc/reader.conf.d/vpcd").exists()
                || Path::new("/usr/lib/pcsc/drivers/serial/libifdvpcd.so").exists(),
            "the vpcd virtual reader is not installed: {DEPS}"
        );
        if let Some(pid) = running_daemon() {
            panic!(
                "another pcscd (pid {pid}) is running; stop it first \
                 (`systemctl stop pcscd.socket pcscd`) so that the tests can run their own"
            );
        }
        let log =
            std::env::temp_dir().join(format!("rekam-smartcard-pcscd-{}.log", std::process::id()));
        let out = File::create(&log).expect("pcscd log file");
        // Under `setpriv --pdeathsig TERM` (util-linux) pcscd also stops if this test process
        // is killed before its guard can run.
        let mut command = if Path::new(SETPRIV).exists() {
            let mut c = Command::new(SETPRIV);
            c.args(["--pdeathsig", "TERM", "--"]).arg(&path);
            c
        } else {
            Command::new(&path)
        };
        let child = command
            .args(["-f", "-a"])
            .args(std::env::var_os("REKAM_PCSCD_DEBUG").map(|_| "-d"))
            .stdin(Stdio::null())
            .stdout(out.try_clone().expect("log handle"))
            .stderr(out)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}; {DEPS}", path.display()));
        let mut daemon = Pcscd { child, log };
        daemon.wait_ready();
        daemon
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// Ready once the service lists the vpcd readers (its TCP ports listen by then).
    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("pcscd exited at start ({status}):\n{}", self.log_tail());
            }
            if let Ok(readers) = list_readers()
                && readers.iter().any(|r| r.name == VPCD_READER)
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "pcscd did not list the vpcd reader within 10 s:\n{}",
                self.log_tail()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn stop(&mut self) {
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
        // SIGTERM lets pcscd remove its socket and pid file.
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Pcscd {
    fn drop(&mut self) {
        self.stop();
        if std::env::var_os("REKAM_KEEP_PCSCD_LOG").is_none() {
            let _ = std::fs::remove_file(&self.log);
        }
    }
}

/// The PIN of [`budi_card`].
pub const PIN: &str = "246813";

/// Budi's PIV card, personalised once per test binary.
pub fn budi_card() -> PivCard {
    static CARD: OnceLock<PivCard> = OnceLock::new();
    CARD.get_or_init(|| PivCard::personalize("Budi Santoso", PIN).expect("personalise"))
        .clone()
}

/// The key the station records for Budi's card.
pub fn budi_key() -> CardKey {
    budi_card().card_key().expect("the card's own certificate")
}

pub fn siti() -> ApplicantCard {
    ApplicantCard {
        nik: "3201014708900002".into(),
        name: "Siti Aminah".into(),
    }
}

pub fn officer_card() -> VirtualCard {
    VirtualCard::officer(budi_card())
}

/// A running monitor and what it said so far.
pub struct Watch {
    pub rx: Receiver<MonitorEvent>,
    worker: Option<Worker>,
    pub seen: Vec<MonitorEvent>,
}

impl Watch {
    pub fn start(config: SmartcardConfig) -> Watch {
        let (tx, rx) = channel(64);
        let worker = monitor::spawn(config, tx).expect("monitor thread");
        Watch {
            rx,
            worker: Some(worker),
            seen: Vec::new(),
        }
    }

    /// Waits for an event `want` accepts; panics with everything seen after `secs`.
    pub fn expect(
        &mut self,
        what: &str,
        secs: u64,
        want: impl Fn(&MonitorEvent) -> bool,
    ) -> MonitorEvent {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(e) => {
                    self.seen.push(e.clone());
                    if want(&e) {
                        return e;
                    }
                }
                Err(_) => panic!("no {what} within {secs} s; events: {:#?}", self.seen),
            }
        }
    }

    pub fn card_inserted(&mut self, reader: &str) {
        let e = self.expect(
            "CardInserted",
            5,
            |e| matches!(e, Event::Data(CardEvent::CardInserted { reader: r, .. }) if r == reader),
        );
        assert_eq!(
            e,
            Event::Data(CardEvent::CardInserted {
                reader: reader.to_owned(),
                atr: ATR.to_vec()
            })
        );
    }

    pub fn card_removed(&mut self, reader: &str) {
        self.expect(
            "CardRemoved",
            5,
            |e| matches!(e, Event::Data(CardEvent::CardRemoved { reader: r }) if r == reader),
        );
    }

    pub fn stop(&mut self) {
        let started = Instant::now();
        if let Some(w) = self.worker.take() {
            assert!(w.stop(), "the monitor thread panicked");
        }
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "stopping the monitor took {:?}",
            started.elapsed()
        );
    }
}
