//! Files as the API shows them: their metadata and, where the caller knows the path the API is
//! mounted under, their download URL.
//!
//! Storage keeps no URL: a URL names the record's table and field, which a rename changes, and
//! the mount path, which only the HTTP layer knows (a host may nest the router under `/v1`).

use serde::ser::{Serialize, SerializeMap, Serializer};

use super::StoredFile;
use crate::FileRef;

/// The download route of a file under `base_path`.
fn download_path(base_path: &str, table: &str, record_id: i64, field: &str, file_id: i64) -> String {
    format!("{base_path}/api/tables/{table}/records/{record_id}/fields/{field}/files/{file_id}")
}

impl StoredFile {
    /// Where the API serves this file, under `base_path`: the path the API router is mounted
    /// under, empty at the root.
    ///
    /// ```
    /// use omnera_core::backend::{NewFile, StoredFile};
    ///
    /// let file = StoredFile::new(3, "people".into(), "avatar".into(), 7, NewFile::new("blob-1", "me.png", 42, "image/png"));
    /// assert_eq!(file.url(""), "/api/tables/people/records/7/fields/avatar/files/3");
    /// assert_eq!(file.url("/v1"), "/v1/api/tables/people/records/7/fields/avatar/files/3");
    /// ```
    pub fn url(&self, base_path: &str) -> String {
        download_path(base_path, &self.table, self.record_id, &self.field, self.id)
    }
}

/// Where a file of a record's field is served, as [`FileJson`] writes it.
#[derive(Debug, Clone, Copy)]
pub(super) struct FileLocation<'r> {
    pub(super) base_path: &'r str,
    pub(super) table: &'r str,
    pub(super) record_id: i64,
    pub(super) field: &'r str,
}

/// A file as the API shows it: `id`, `name`, `size`, `mimeType`, `url` (when its location is
/// known) and `createdAt`.
pub(super) struct FileJson<'r> {
    pub(super) file: &'r FileRef,
    pub(super) location: Option<FileLocation<'r>>,
}

impl Serialize for FileJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let file = self.file;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("id", &file.id)?;
        map.serialize_entry("name", &file.name)?;
        map.serialize_entry("size", &file.size)?;
        map.serialize_entry("mimeType", &file.mime_type)?;
        if let Some(at) = self.location {
            map.serialize_entry(
                "url",
                &download_path(at.base_path, at.table, at.record_id, at.field, file.id),
            )?;
        }
        map.serialize_entry(
            "createdAt",
            &file.created_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        )?;
        map.end()
    }
}

impl Serialize for FileRef {
    /// The file's metadata, without a URL (it does not know its record).
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        FileJson { file: self, location: None }.serialize(serializer)
    }
}

/// The files of one attachment field, each with its URL when `location` is known.
pub(super) struct FilesJson<'r> {
    pub(super) files: &'r [FileRef],
    pub(super) location: Option<FileLocation<'r>>,
}

impl Serialize for FilesJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.files.iter().map(|file| FileJson { file, location: self.location }))
    }
}
