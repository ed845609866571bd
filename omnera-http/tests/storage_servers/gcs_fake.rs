//! Google Cloud Storage: a fake of the parts of GCS's XML API that object_store's GCS backend
//! uses for what `ObjectStoreBlobs` does, served in-process on a loopback port. These machines
//! have no Go toolchain for fake-gcs-server. The fake checks what it is sent as GCS would (the
//! bucket, the methods and query of each call, `Content-Length`, the parts of a multipart
//! upload and their ETags, no credential but the empty one of `disable_oauth`) and refuses
//! anything else with 400, so a request object_store starts making that it does not know
//! fails the tests.
//!
//! Calls: `PUT /b/o` (upload), `POST /b/o?uploads`, `PUT /b/o?partNumber=n&uploadId=u`,
//! `POST /b/o?uploadId=u` (complete), `DELETE /b/o?uploadId=u` (abort), `GET`/`HEAD /b/o`
//! (with `Range: bytes=a-b`), `DELETE /b/o`, `GET /b?list-type=2[&prefix=p]`.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use omnera_http::{GcsSettings, ObjectStoreBlobs, StorageConnections};
use serde_json::json;

use super::StorageServer;

#[derive(Clone)]
struct Object {
    bytes: Bytes,
    etag: String,
    generation: u64,
    modified: chrono::DateTime<chrono::Utc>,
}

#[derive(Default)]
struct Bucket {
    objects: BTreeMap<String, Object>,
    /// Multipart uploads in progress: their object and parts by number.
    uploads: HashMap<String, (String, BTreeMap<u32, Bytes>)>,
    generations: u64,
}

struct Fake {
    name: String,
    bucket: Mutex<Bucket>,
}

type Reply = Result<Response, (StatusCode, String)>;

fn refuse<T>(status: StatusCode, why: impl Into<String>) -> Result<T, (StatusCode, String)> {
    Err((status, why.into()))
}

pub(crate) async fn start(_test: &str) -> Option<StorageServer> {
    let name = super::unique_bucket();
    let fake = Arc::new(Fake { name: name.clone(), bucket: Mutex::default() });
    let router = axum::Router::new()
        .fallback(move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let fake = Arc::clone(&fake);
            async move {
                fake.handle(&method, &uri, &headers, body).unwrap_or_else(|(status, why)| {
                    (status, format!("gcs fake: {method} {uri}: {why}")).into_response()
                })
            }
        })
        .layer(axum::extract::DefaultBodyLimit::max(64 * 1024 * 1024));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move { axum::serve(listener, router).await });
    // A service account key as the console gives it, plus object_store's two emulator fields.
    let key =
        json!({"type": "service_account", "client_email": "omnera-test@example.iam.gserviceaccount.com",
        "private_key_id": "0", "private_key": "", "gcs_base_url": base_url, "disable_oauth": true})
        .to_string();
    let view = object_store::gcp::GoogleCloudStorageBuilder::new()
        .with_bucket_name(&name)
        .with_service_account_key(&key)
        .build()
        .unwrap();
    Some(StorageServer {
        kind: "gcs",
        connection: json!({"bucket": name, "serviceAccountKey": {"secret": "gcs-key"}}),
        secrets: vec![("gcs-key", key.clone())],
        opener: StorageConnections::new(),
        bucket: Arc::new(view),
        blobs: ObjectStoreBlobs::gcs(&GcsSettings::new(name.as_str(), key)).unwrap(),
        _running: Box::new(AbortOnDrop(server)),
    })
}

struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Fake {
    fn handle(&self, method: &Method, uri: &Uri, headers: &HeaderMap, body: Bytes) -> Reply {
        // disable_oauth: the credential is empty; a real one must never reach a fake.
        if let Some(authorization) = headers.get(header::AUTHORIZATION)
            && authorization.as_bytes().trim_ascii() != b"Bearer"
        {
            return refuse(StatusCode::UNAUTHORIZED, "a credential was sent");
        }
        let query: HashMap<String, String> =
            uri.query().map(|query| url_pairs(query).collect()).unwrap_or_default();
        let path = uri.path().trim_start_matches('/');
        // object_store percent-encodes the bucket and the object name (every `/` of it too).
        let (bucket, object) = match path.split_once('/') {
            Some((bucket, object)) => (decode(bucket)?, Some(decode(object)?)),
            None => (decode(path)?, None),
        };
        if bucket != self.name {
            return refuse(StatusCode::NOT_FOUND, format!("no bucket {bucket}"));
        }
        let mut state = self.bucket.lock().unwrap();
        let Some(object) = object else {
            return match (method, query.get("list-type").map(String::as_str)) {
                (&Method::GET, Some("2")) => Ok(list(&state, query.get("prefix").map_or("", String::as_str))),
                _ => refuse(StatusCode::BAD_REQUEST, "not a call on a bucket the fake knows"),
            };
        };
        if object.is_empty() {
            return refuse(StatusCode::BAD_REQUEST, "no object name");
        }
        let mut keys: Vec<&str> = query.keys().map(String::as_str).collect();
        keys.sort_unstable();
        match (method, keys.as_slice()) {
            (&Method::PUT, []) => {
                check_length(headers, &body)?;
                if headers.get(header::CONTENT_TYPE).is_none() {
                    return refuse(StatusCode::BAD_REQUEST, "an upload without Content-Type");
                }
                let written = state.write(&object, body);
                Ok(stored(StatusCode::OK, &written, Bytes::new()))
            }
            (&Method::POST, ["uploads"]) => {
                check_length(headers, &body)?;
                let id = format!("upload-{}", state.uploads.len() + 1);
                state.uploads.insert(id.clone(), (object.clone(), BTreeMap::new()));
                Ok(xml(format!(
                    "<InitiateMultipartUploadResult><Bucket>{bucket}</Bucket><Key>{object}</Key><UploadId>{id}</UploadId></InitiateMultipartUploadResult>"
                )))
            }
            (&Method::PUT, ["partNumber", "uploadId"]) => {
                check_length(headers, &body)?;
                let number: u32 = query["partNumber"]
                    .parse()
                    .or_else(|_| refuse(StatusCode::BAD_REQUEST, "a part number"))?;
                let etag = part_etag(&body);
                let parts = state.upload(&query["uploadId"], &object)?;
                parts.insert(number, body);
                Ok((StatusCode::OK, [(header::ETAG, etag)]).into_response())
            }
            (&Method::POST, ["uploadId"]) => {
                let listed = completed_parts(&body)?;
                let parts = state.upload(&query["uploadId"], &object)?;
                let expected: Vec<(u32, String)> =
                    parts.iter().map(|(number, bytes)| (*number, part_etag(bytes))).collect();
                if listed != expected {
                    return refuse(
                        StatusCode::BAD_REQUEST,
                        format!("parts {listed:?}, uploaded {expected:?}"),
                    );
                }
                // GCS's smallest part but the last, as S3's.
                if parts.values().rev().skip(1).any(|part| part.len() < 5 * 1024 * 1024) {
                    return refuse(StatusCode::BAD_REQUEST, "a part but the last is smaller than 5 MiB");
                }
                let whole: Vec<u8> = parts.values().flat_map(|part| part.iter().copied()).collect();
                state.uploads.remove(&query["uploadId"]);
                let written = state.write(&object, whole.into());
                let result = format!(
                    "<CompleteMultipartUploadResult><Bucket>{bucket}</Bucket><Key>{object}</Key><ETag>{}</ETag></CompleteMultipartUploadResult>",
                    written.etag
                );
                Ok(stored(StatusCode::OK, &written, Bytes::from(result)))
            }
            (&Method::DELETE, ["uploadId"]) => {
                state.upload(&query["uploadId"], &object)?;
                state.uploads.remove(&query["uploadId"]);
                Ok(StatusCode::NO_CONTENT.into_response())
            }
            (&Method::GET | &Method::HEAD, []) => {
                let Some(found) = state.objects.get(&object) else {
                    return refuse(StatusCode::NOT_FOUND, "no such object");
                };
                read(found, headers)
            }
            (&Method::DELETE, []) => match state.objects.remove(&object) {
                Some(_) => Ok(StatusCode::NO_CONTENT.into_response()),
                None => refuse(StatusCode::NOT_FOUND, "no such object"),
            },
            _ => refuse(StatusCode::BAD_REQUEST, "not a call on an object the fake knows"),
        }
    }
}

impl Bucket {
    fn write(&mut self, object: &str, bytes: Bytes) -> Object {
        self.generations += 1;
        let written = Object {
            etag: format!("\"{}\"", hex(&sha(&bytes)[..16])),
            bytes,
            generation: self.generations,
            modified: chrono::Utc::now(),
        };
        self.objects.insert(object.to_owned(), written.clone());
        written
    }

    /// The parts of upload `id`, which must be of `object`.
    fn upload(&mut self, id: &str, object: &str) -> Result<&mut BTreeMap<u32, Bytes>, (StatusCode, String)> {
        match self.uploads.get_mut(id) {
            Some((of, parts)) if of == object => Ok(parts),
            _ => refuse(StatusCode::NOT_FOUND, format!("no upload {id} of this object")),
        }
    }
}

fn check_length(headers: &HeaderMap, body: &Bytes) -> Result<(), (StatusCode, String)> {
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|value| value.to_str().ok());
    if declared != Some(body.len().to_string().as_str()) {
        return refuse(
            StatusCode::BAD_REQUEST,
            format!("Content-Length {declared:?} for {} bytes", body.len()),
        );
    }
    Ok(())
}

fn stored(status: StatusCode, object: &Object, body: Bytes) -> Response {
    let generation = header::HeaderName::from_static("x-goog-generation");
    let headers = [(header::ETAG, object.etag.clone()), (generation, object.generation.to_string())];
    (status, headers, body).into_response()
}

/// A whole object, or the one range of `Range: bytes=a-b` (the only form object_store sends).
fn read(object: &Object, headers: &HeaderMap) -> Reply {
    let size = object.bytes.len();
    let modified = object.modified.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
    let mut response = stored(StatusCode::OK, object, object.bytes.clone());
    response.headers_mut().insert(header::LAST_MODIFIED, modified.parse().unwrap());
    let Some(range) = headers.get(header::RANGE) else { return Ok(response) };
    let bounds = range.to_str().ok().and_then(|range| range.strip_prefix("bytes=")).and_then(|range| {
        let (start, end) = range.split_once('-')?;
        Some((start.parse::<usize>().ok()?, end.parse::<usize>().ok()?))
    });
    let Some((start, end)) = bounds.filter(|(start, end)| start <= end) else {
        return refuse(StatusCode::BAD_REQUEST, format!("a range object_store does not send: {range:?}"));
    };
    if start >= size {
        return refuse(StatusCode::RANGE_NOT_SATISFIABLE, "the range starts past the end");
    }
    let end = end.min(size - 1);
    *response.status_mut() = StatusCode::PARTIAL_CONTENT;
    *response.body_mut() = axum::body::Body::from(object.bytes.slice(start..=end));
    let content_range = format!("bytes {start}-{end}/{size}");
    response.headers_mut().insert(header::CONTENT_RANGE, content_range.parse().unwrap());
    Ok(response)
}

fn list(bucket: &Bucket, prefix: &str) -> Response {
    let contents: String = bucket
        .objects
        .iter()
        .filter(|(name, _)| name.starts_with(prefix))
        .map(|(name, object)| {
            format!(
                "<Contents><Key>{name}</Key><Size>{}</Size><LastModified>{}</LastModified><ETag>{}</ETag></Contents>",
                object.bytes.len(),
                object.modified.to_rfc3339(),
                object.etag
            )
        })
        .collect();
    xml(format!("<ListBucketResult><Prefix>{prefix}</Prefix>{contents}</ListBucketResult>"))
}

fn xml(text: String) -> Response {
    ([(header::CONTENT_TYPE, "application/xml")], text).into_response()
}

/// The `(PartNumber, ETag)`s of a `CompleteMultipartUpload` document, in its order.
fn completed_parts(body: &[u8]) -> Result<Vec<(u32, String)>, (StatusCode, String)> {
    let text = std::str::from_utf8(body).or_else(|_| refuse(StatusCode::BAD_REQUEST, "not UTF-8"))?;
    let Some(parts) = text
        .strip_prefix("<CompleteMultipartUpload>")
        .and_then(|rest| rest.strip_suffix("</CompleteMultipartUpload>"))
    else {
        return refuse(StatusCode::BAD_REQUEST, format!("not a CompleteMultipartUpload: {text}"));
    };
    let element = |part: &str, name: &str| -> Option<String> {
        let start = part.find(&format!("<{name}>"))? + name.len() + 2;
        let end = part.find(&format!("</{name}>"))?;
        Some(part.get(start..end)?.to_owned())
    };
    parts
        .split_terminator("</Part>")
        .map(|part| {
            let number = element(part, "PartNumber").and_then(|number| number.parse().ok());
            match (part.starts_with("<Part>"), number, element(part, "ETag")) {
                (true, Some(number), Some(etag)) => Ok((number, etag)),
                _ => refuse(StatusCode::BAD_REQUEST, format!("not a Part: {part}")),
            }
        })
        .collect()
}

fn part_etag(bytes: &[u8]) -> String {
    format!("\"part-{}\"", hex(&sha(bytes)[..8]))
}

fn sha(bytes: &[u8]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes).into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn decode(encoded: &str) -> Result<String, (StatusCode, String)> {
    percent_encoding::percent_decode_str(encoded)
        .decode_utf8()
        .map(|decoded| decoded.into_owned())
        .or_else(|_| refuse(StatusCode::BAD_REQUEST, "an object name that is not UTF-8"))
}

fn url_pairs(query: &str) -> impl Iterator<Item = (String, String)> + '_ {
    query.split('&').filter(|pair| !pair.is_empty()).map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let value =
            percent_encoding::percent_decode_str(&value.replace('+', " ")).decode_utf8_lossy().into_owned();
        (key.to_owned(), value)
    })
}
