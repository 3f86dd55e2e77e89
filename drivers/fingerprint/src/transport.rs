//! The seam between the scanner protocol and the operating system: a [`Transport`] moves whole
//! HID reports. [`HidTransport`](crate::hid::HidTransport) is the real one (hidapi on hidraw);
//! [`SimulatedScanner`](crate::sim::SimulatedScanner) is a device implementation behind the same
//! trait, so the driver code that runs against hardware is the code the tests run.

use std::time::Duration;

use rekam_device::Backend;

use crate::error::Result;

/// Report-level access to a HID device. Every call returns within its timeout (reads) or within
/// the operating system's bounded USB transfer time (writes and feature reports: 5 s on Linux).
pub trait Transport: Send {
    /// Sends an output report; `report[0]` is the report ID.
    fn write(&mut self, report: &[u8]) -> Result<()>;

    /// Reads one input report into `buf` (report ID first), waiting at most `timeout`.
    /// `Ok(0)` means nothing arrived in time.
    fn read_timeout(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize>;

    /// Reads a feature report: `buf[0]` holds the report ID on entry. Returns the report's
    /// length including the ID byte.
    fn get_feature_report(&mut self, buf: &mut [u8]) -> Result<usize>;

    /// Sends a feature report; `report[0]` is the report ID.
    fn send_feature_report(&mut self, report: &[u8]) -> Result<()>;

    /// Where the device is (for [`rekam_device::DeviceInfo::location`]).
    fn location(&self) -> String;

    /// Real hardware or a simulator.
    fn backend(&self) -> Backend;
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn write(&mut self, report: &[u8]) -> Result<()> {
        (**self).write(report)
    }

    fn read_timeout(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize> {
        (**self).read_timeout(buf, timeout)
    }

    fn get_feature_report(&mut self, buf: &mut [u8]) -> Result<usize> {
        (**self).get_feature_report(buf)
    }

    fn send_feature_report(&mut self, report: &[u8]) -> Result<()> {
        (**self).send_feature_report(report)
    }

    fn location(&self) -> String {
        (**self).location()
    }

    fn backend(&self) -> Backend {
        (**self).backend()
    }
}
