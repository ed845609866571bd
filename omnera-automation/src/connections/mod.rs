//! Connections to outside services, opened from the config's `connections`.

pub mod mail;
