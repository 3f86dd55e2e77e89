//! Pure types and rules of KTP-el recording: NIK and No. KK, the applicant's biodata and eligibility,
//! service types and their requirements, queue and register numbers, and the SOP steps with their
//! standard times, the biometric modalities and capture encodings, the station's mode and where a
//! capture came from. Nothing here touches storage,
//! devices or a window.

pub mod applicant;
pub mod biometric;
pub mod nik;
pub mod queue;
pub mod region;
pub mod service;
pub mod sop;
pub mod station;

pub use applicant::{Biodata, MaritalStatus, Sex};
pub use biometric::{
    CaptureContent, CaptureInput, Encoding, ExceptionKind, Modality, capture_name,
};
pub use service::{Requirement, ServiceType};
pub use station::{Provenance, StationMode};

/// A stored or typed code that names no variant of the enum it was read as.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} code '{code}'")]
pub struct UnknownCode {
    pub kind: &'static str,
    pub code: String,
}

/// Declares a fieldless enum whose variants have stable text codes, used in the database, in JSON
/// and on the command line, so that the three never disagree.
macro_rules! coded_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $code:literal ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis enum $name { $( $(#[$vmeta])* $variant ),+ }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable text code.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::domain::UnknownCode;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($code => Ok($name::$variant),)+
                    _ => Err($crate::domain::UnknownCode { kind: stringify!($name), code: s.to_owned() }),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.code())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }

        impl rusqlite::types::ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                Ok(self.code().into())
            }
        }

        impl rusqlite::types::FromSql for $name {
            fn column_result(v: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
                v.as_str()?.parse().map_err(|e| rusqlite::types::FromSqlError::Other(Box::new(e)))
            }
        }
    };
}
pub(crate) use coded_enum;
