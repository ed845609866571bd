//! The mail APIs (Resend, SendGrid, Postmark): one HTTP client, one request loop with retries;
//! each provider's module only says how its request looks.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use omnera_core::backend::{Email, MailError, Mailer};
use omnera_core::schema::RetryPolicy;
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, HeaderName, HeaderValue, RETRY_AFTER};

use super::message::{Outgoing, prepare};
use super::redact::{transport_error, with_sources};
use super::{postmark, resend, sendgrid};
use crate::connections::retry::{backoff, jitter, retry_after};

/// A mail API that Omnera sends email through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MailApi {
    /// Resend: `POST https://api.resend.com/emails`.
    Resend,
    /// SendGrid: `POST https://api.sendgrid.com/v3/mail/send`.
    Sendgrid,
    /// Postmark: `POST https://api.postmarkapp.com/email`.
    Postmark,
}

impl MailApi {
    /// The API's name, as a connection's `type`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Resend => "resend",
            Self::Sendgrid => "sendgrid",
            Self::Postmark => "postmark",
        }
    }

    fn base_url(self) -> &'static str {
        match self {
            Self::Resend => "https://api.resend.com",
            Self::Sendgrid => "https://api.sendgrid.com",
            Self::Postmark => "https://api.postmarkapp.com",
        }
    }

    /// The header that carries the API key, and its value.
    fn auth(self, api_key: &str) -> (HeaderName, String) {
        match self {
            Self::Resend | Self::Sendgrid => (AUTHORIZATION, format!("Bearer {api_key}")),
            Self::Postmark => (HeaderName::from_static("x-postmark-server-token"), api_key.to_owned()),
        }
    }

    /// A cheap authenticated read, for health checks: Resend's domains, SendGrid's scopes of the
    /// key, Postmark's server.
    fn check_path(self) -> &'static str {
        match self {
            Self::Resend => "/domains",
            Self::Sendgrid => "/v3/scopes",
            Self::Postmark => "/server",
        }
    }

    fn request(self, outgoing: &Outgoing<'_>) -> ApiRequest {
        match self {
            Self::Resend => resend::request(outgoing),
            Self::Sendgrid => sendgrid::request(outgoing),
            Self::Postmark => postmark::request(outgoing),
        }
    }
}

/// Four tries in all, waiting up to 0.5 s, 1 s, then 2 s (jittered) between them.
const MAIL_RETRY: RetryPolicy = RetryPolicy {
    max_attempts: 4,
    backoff: omnera_core::config::Backoff::Exponential,
    initial_delay: Duration::from_millis(500),
    max_delay: Some(Duration::from_secs(8)),
};

/// The longest `Retry-After` that is waited for: a longer one ends the tries, so that a request
/// waiting for an auth email is not held up.
const LONGEST_RETRY_AFTER: Duration = Duration::from_secs(30);

/// One provider's request for one email: `POST {base}{path}` with a JSON body.
pub(super) struct ApiRequest {
    pub(super) path: &'static str,
    /// The `Idempotency-Key` header, where the API has one.
    pub(super) idempotency_key: Option<String>,
    pub(super) body: serde_json::Value,
}

/// Sends email through a mail API, retrying connection failures, 429 and 5xx answers with
/// exponential backoff and full jitter (or the `Retry-After` the API asks for), four tries in
/// all. Cheap to clone; its `Debug` form leaves out the API key.
///
/// ```
/// use omnera_automation::connections::mail::{MailApi, MailApiMailer};
///
/// let mailer = MailApiMailer::new(MailApi::Postmark, "server-token", "CRM <crm@example.com>").unwrap();
/// assert!(!format!("{mailer:?}").contains("server-token"));
/// ```
#[derive(Clone)]
pub struct MailApiMailer {
    api: MailApi,
    client: reqwest::Client,
    base_url: String,
    api_key: String,
    from: String,
}

const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<MailApiMailer>();
};

impl fmt::Debug for MailApiMailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MailApiMailer")
            .field("api", &self.api)
            .field("base_url", &self.base_url)
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

impl MailApiMailer {
    /// A mailer for `api` with this API key (Postmark: a server token), sending from `from`
    /// (`crm@example.com` or `CRM <crm@example.com>`) unless an email names its own sender.
    pub fn new(api: MailApi, api_key: impl Into<String>, from: impl Into<String>) -> Result<Self, MailError> {
        let client = reqwest::Client::builder()
            .user_agent(concat!("omnera/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|error| transport_error(&with_sources(&error), &[]))?;
        Ok(Self {
            api,
            client,
            base_url: api.base_url().to_owned(),
            api_key: api_key.into(),
            from: from.into(),
        })
    }

    /// Sends to `base_url` (such as `http://127.0.0.1:4010`) instead of the provider's own: for
    /// tests against a fake and for proxies. A config document cannot set it.
    ///
    /// ```
    /// use omnera_automation::connections::mail::{MailApi, MailApiMailer};
    ///
    /// let mailer = MailApiMailer::new(MailApi::Resend, "re_123", "crm@example.com")
    ///     .unwrap()
    ///     .with_base_url("http://127.0.0.1:4010/");
    /// assert!(format!("{mailer:?}").contains("http://127.0.0.1:4010"));
    /// ```
    #[must_use]
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into().trim_end_matches('/').to_owned();
        self
    }

    /// The API key's header, marked sensitive.
    fn auth_header(&self) -> Result<(HeaderName, HeaderValue), MailError> {
        let (name, value) = self.api.auth(&self.api_key);
        let mut value = HeaderValue::from_str(&value).map_err(|_| {
            transport_error(&format!("the {} API key is not a valid header value", self.api.name()), &[])
        })?;
        value.set_sensitive(true);
        Ok((name, value))
    }

    /// One try: `Ok(None)` when sent, `Ok(Some((why, retry_after)))` when worth another try.
    async fn try_once(&self, request: &ApiRequest) -> Result<Option<(String, Option<Duration>)>, MailError> {
        let api = self.api.name();
        let url = format!("{}{}", self.base_url, request.path);
        let (auth_name, auth) = self.auth_header()?;
        let mut builder = self.client.post(&url).header(auth_name, auth).json(&request.body);
        if let Some(key) = &request.idempotency_key {
            builder = builder.header("idempotency-key", key);
        }
        let response = match builder.send().await {
            Ok(response) => response,
            Err(error) if error.is_connect() => {
                let why = format!("{api} could not be reached at {url}: {}", with_sources(&error));
                return Ok(Some((why, None)));
            }
            Err(error) => {
                let why = format!("sending to {api} at {url} failed: {}", with_sources(&error));
                return Err(transport_error(&why, &[&self.api_key]));
            }
        };
        let status = response.status();
        if status.is_success() {
            return Ok(None);
        }
        let wait = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| retry_after(value, chrono::Utc::now()));
        let mut body = response.text().await.unwrap_or_default();
        if let Some((end, _)) = body.char_indices().nth(300) {
            body.truncate(end);
        }
        let why = format!("{api} answered {status}: {}", body.trim());
        if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
            Ok(Some((why, wait)))
        } else {
            Err(transport_error(&why, &[&self.api_key]))
        }
    }
}

#[async_trait]
impl Mailer for MailApiMailer {
    /// Reads something small with the key (no email is sent): healthy on a 2xx answer.
    async fn check(&self) -> Result<Option<String>, MailError> {
        let api = self.api.name();
        let url = format!("{}{}", self.base_url, self.api.check_path());
        let (auth_name, auth) = self.auth_header()?;
        let response = self.client.get(&url).header(auth_name, auth).send().await.map_err(|error| {
            transport_error(
                &format!("{api} could not be reached at {url}: {}", with_sources(&error)),
                &[&self.api_key],
            )
        })?;
        let status = response.status();
        if status.is_success() {
            Ok(Some(format!("{api} accepted the API key (GET {})", self.api.check_path())))
        } else {
            Err(transport_error(
                &format!("{api} answered {status} to GET {}", self.api.check_path()),
                &[&self.api_key],
            ))
        }
    }

    async fn send(&self, email: &Email) -> Result<(), MailError> {
        let outgoing = prepare(email, &self.from)?;
        let request = self.api.request(&outgoing);
        let tries = MAIL_RETRY.max_attempts;
        let mut retry = 0;
        loop {
            let Some((why, asked)) = self.try_once(&request).await? else { return Ok(()) };
            retry += 1;
            if retry >= tries {
                return Err(transport_error(&format!("{why} (after {tries} tries)"), &[&self.api_key]));
            }
            let wait = match asked {
                Some(wait) if wait > LONGEST_RETRY_AFTER => {
                    let why = format!("{why} (it asks to wait {}s before trying again)", wait.as_secs());
                    return Err(transport_error(&why, &[&self.api_key]));
                }
                Some(wait) => wait,
                None => backoff(&MAIL_RETRY, retry - 1, jitter()),
            };
            tracing::debug!(api = self.api.name(), %why, ?wait, "retrying an email");
            tokio::time::sleep(wait).await;
        }
    }
}
