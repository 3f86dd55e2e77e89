//! A host that stalls now and then, as a station busy with something else does: a [`Transport`]
//! wrapper that sleeps before every `every`-th read. Tests and benchmarks use it to show that
//! the window flow control slows the device instead of overflowing hidraw's queue.

use std::time::Duration;

use rekam_device::Backend;

use crate::error::Result;
use crate::transport::Transport;

#[derive(Debug)]
pub struct StallingHost<T> {
    inner: T,
    reads: u32,
    every: u32,
    pause: Duration,
}

impl<T: Transport> StallingHost<T> {
    /// Sleeps `pause` before every `every`-th read (`every` of 0 counts as 1).
    pub fn new(inner: T, every: u32, pause: Duration) -> Self {
        StallingHost {
            inner,
            reads: 0,
            every: every.max(1),
            pause,
        }
    }
}

impl<T: Transport> Transport for StallingHost<T> {
    fn write(&mut self, report: &[u8]) -> Result<()> {
        self.inner.write(report)
    }
    fn read_timeout(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize> {
        self.reads += 1;
        if self.reads.is_multiple_of(self.every) {
            std::thread::sleep(self.pause);
        }
        self.inner.read_timeout(buf, timeout)
    }
    fn get_feature_report(&mut self, buf: &mut [u8]) -> Result<usize> {
        self.inner.get_feature_report(buf)
    }
    fn send_feature_report(&mut self, report: &[u8]) -> Result<()> {
        self.inner.send_feature_report(report)
    }
    fn location(&self) -> String {
        self.inner.location()
    }
    fn backend(&self) -> Backend {
        self.inner.backend()
    }
}
