//! The day's register book and the supervisor's day view: read-only queries (being written).
