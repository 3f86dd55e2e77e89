//! Read-only views of an applicant's file for the intake and verification screens (being written).
