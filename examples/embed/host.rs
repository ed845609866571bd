//! The host program of the `embed` example: its own routes, Omnera's API nested under `/v1`, a
//! hook, a policy, an identity provider and the [`RequestCaller`] extractor. `tests/embed.rs`
//! drives this same host over HTTP.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::extract::{FromRef, State};
use axum::routing::get;
use omnera::app::{CommittedChange, HookRejection, PendingCreate};
use omnera::backend::{
    Caller, IdentityError, IdentityProvider, ListQuery, LogMailer, Policy, PolicyDecision,
};
use omnera::config::PermissionAction;
use omnera::http::{AppRouter, RequestCaller};
use omnera::sql::SqlStorage;
use omnera::{App, BuildError, Config};

/// The app: a help desk's tickets.
pub(crate) const CONFIG: &str = r#"{"name": "Help desk", "tables": [{"id": 1, "name": "tickets", "fields": [
    {"id": 1, "name": "title", "type": "single-line-text", "required": true},
    {"id": 2, "name": "status", "type": "single-select", "options": ["open", "closed"]},
    {"id": 3, "name": "reported_by", "type": "single-line-text"}]}]}"#;

/// Who may do what with tickets: anyone may report one, agents work on them, admins do all.
struct HelpDeskPolicy;

impl Policy for HelpDeskPolicy {
    fn decide(&self, caller: &Caller, _table: &str, action: PermissionAction) -> PolicyDecision {
        match action {
            _ if caller.is_admin() => PolicyDecision::AllowAll,
            PermissionAction::Create => PolicyDecision::AllowAll,
            PermissionAction::Read | PermissionAction::Update if caller.has_role("agent") => {
                PolicyDecision::AllowAll
            }
            _ => PolicyDecision::Deny,
        }
    }
}

/// The host's own sign-in: here two fixed tokens; in a real host, its SSO.
struct StaticTokens;

#[async_trait::async_trait]
impl IdentityProvider for StaticTokens {
    async fn authenticate(&self, token: &str) -> Result<Caller, IdentityError> {
        match token {
            "agent-token" => Ok(Caller::user(1, ["agent"])),
            "admin-token" => Ok(Caller::user(2, ["admin"])),
            _ => Err(IdentityError::InvalidCredentials),
        }
    }
}

/// What the host's own routes share: Omnera's app and the host's counters.
#[derive(Clone)]
pub(crate) struct HostState {
    pub(crate) app: App,
    /// Tickets created, whoever created them: counted by an after-create hook.
    pub(crate) tickets_created: Arc<AtomicUsize>,
}

impl FromRef<HostState> for App {
    fn from_ref(state: &HostState) -> App {
        state.app.clone()
    }
}

/// Builds the app on the database at `database_url` and the host's router around it.
pub(crate) async fn host(database_url: &str) -> Result<(Router, HostState), BuildError> {
    let storage = SqlStorage::connect(database_url).await?;
    let config = Config::from_json_str(CONFIG)?;
    let app = App::from_config(config)
        .with_storage(storage)
        .with_policy(HelpDeskPolicy)
        .with_identity_provider(StaticTokens)
        .with_mailer(LogMailer)
        .without_automations()
        .build()
        .await?;
    let tickets_created = Arc::new(AtomicUsize::new(0));
    // Every new ticket starts open and names who reported it; spam is refused.
    app.hooks().before_create(Some("tickets"), 0, |mut pending: PendingCreate| async move {
        let title = pending.draft.get("title").and_then(|title| title.as_str()).unwrap_or_default();
        if title.to_lowercase().contains("free money") {
            return Err(HookRejection::new("this looks like spam"));
        }
        pending.draft.set("status", "open");
        let reporter = pending.caller.user_id.map_or("anonymous".to_owned(), |id| format!("user {id}"));
        pending.draft.set("reported_by", reporter);
        Ok(pending)
    });
    let counter = Arc::clone(&tickets_created);
    app.hooks().after_create(Some("tickets"), 0, move |_: CommittedChange| {
        let counter = Arc::clone(&counter);
        async move {
            counter.fetch_add(1, Ordering::SeqCst);
        }
    });
    let state = HostState { app: app.clone(), tickets_created };
    let router = Router::new()
        .route("/whoami", get(whoami))
        .route("/open-tickets", get(open_tickets))
        .route("/created-since-start", get(created_since_start))
        .with_state(state.clone())
        .nest("/v1", app.router());
    Ok((router, state))
}

/// `GET /whoami`: the caller, by the same credentials as the API's.
async fn whoami(RequestCaller(caller): RequestCaller) -> String {
    match caller.user_id {
        Some(id) => format!("user {id} ({})", caller.roles.join(", ")),
        None => "anonymous".to_owned(),
    }
}

/// `GET /created-since-start`: the tickets the after-create hook counted.
async fn created_since_start(State(state): State<HostState>) -> String {
    state.tickets_created.load(Ordering::SeqCst).to_string()
}

/// `GET /open-tickets`: how many tickets are open, read by the host as the system (the policy
/// lets it, through the `admin` role it acts under).
async fn open_tickets(State(state): State<HostState>) -> String {
    let records = state.app.records(Caller::system("open-tickets", ["admin"]));
    let open = match omnera::query::parse_filter("status = 'open'") {
        Ok(filter) => filter,
        Err(error) => return format!("unknown: {error}"),
    };
    match records.list("tickets", ListQuery::default().filtered(open)).await {
        Ok(page) => page.total.map_or_else(|| "unknown".to_owned(), |total| total.to_string()),
        Err(error) => format!("unknown: {error}"),
    }
}
