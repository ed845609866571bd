//! Hooks on updates and deletes, through the records service on SQLite: a before-update hook
//! changes the draft (and the change is validated), a before-delete hook refuses, and the
//! after-hooks see the committed record, the one before it and the caller.

#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};

use omnera::app::{CommittedChange, HookRejection, PendingDelete, PendingUpdate};
use omnera::backend::Caller;
use omnera::record::RecordDraft;
use omnera::records::{RecordChange, RecordsError};
use omnera::sql::SqlStorage;
use omnera::{App, Config, FieldValue};

const CONFIG: &str = r#"{"name": "Desk", "tables": [{"id": 1, "name": "tickets", "fields": [
    {"id": 1, "name": "title", "type": "single-line-text", "required": true, "maxLength": 20},
    {"id": 2, "name": "locked", "type": "checkbox"}]}]}"#;

async fn app() -> App {
    let storage = SqlStorage::connect(&omnera::sql::testing::sqlite_url()).await.unwrap();
    App::from_config(Config::from_json_str(CONFIG).unwrap()).with_storage(storage).build().await.unwrap()
}

/// What an after-hook saw: the event and its caller, the title before and the title after.
type Seen = Arc<Mutex<Vec<(String, Option<String>, Option<String>)>>>;

fn draft(title: &str) -> RecordDraft {
    let mut draft = RecordDraft::new();
    draft.set("title", title);
    draft
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_and_delete_hooks_change_refuse_and_see_both_records() {
    let app = app().await;
    let seen: Seen = Arc::default();
    let title = |record: &Option<omnera::backend::Record>| {
        record.as_ref().and_then(|record| match record.values.get("title") {
            Some(FieldValue::Text(title)) => Some(title.clone()),
            _ => None,
        })
    };
    app.hooks().before_update(Some("tickets"), 0, |mut pending: PendingUpdate| async move {
        let shouted = pending.draft.get("title").and_then(|title| title.as_str()).map(str::to_uppercase);
        if let Some(shouted) = shouted {
            pending.draft.set("title", shouted);
        }
        Ok(pending)
    });
    app.hooks().before_delete(Some("tickets"), 0, |pending: PendingDelete| async move {
        match pending.caller.is_admin() {
            true => Ok(()),
            false => Err(HookRejection::new("only admins delete tickets")),
        }
    });
    for (order, event) in [(0, "updated"), (1, "deleted")] {
        let seen = Arc::clone(&seen);
        let record = move |change: CommittedChange| {
            let seen = Arc::clone(&seen);
            async move {
                let who = change.caller.system.clone().unwrap_or_default();
                let entry = (format!("{event} by {who}"), title(&change.previous), title(&change.record));
                seen.lock().unwrap().push(entry);
            }
        };
        match event {
            "updated" => app.hooks().after_update(Some("tickets"), order, record),
            _ => app.hooks().after_delete(Some("tickets"), order, record),
        };
    }

    let clerk = app.records(Caller::system("clerk", ["clerk"]));
    let ticket = clerk.create("tickets", draft("printer")).await.unwrap();
    let changed =
        clerk.update("tickets", RecordChange::patch(ticket.id, draft("printer on fire"))).await.unwrap();
    assert_eq!(
        changed.values["title"],
        FieldValue::Text("PRINTER ON FIRE".into()),
        "the hook's change is what is written"
    );

    let too_long =
        clerk.update("tickets", RecordChange::patch(ticket.id, draft("the printer is on fire again"))).await;
    assert!(matches!(too_long, Err(RecordsError::InvalidFields(_))), "a hook's draft is validated too");

    let refused = clerk.delete("tickets", ticket.id, None).await;
    assert!(
        matches!(&refused, Err(RecordsError::Rejected(rejection)) if rejection.message == "only admins delete tickets")
    );
    assert!(clerk.get("tickets", ticket.id).await.is_ok(), "a refused delete changes nothing");
    app.records(Caller::system("admin-job", ["admin"])).delete("tickets", ticket.id, None).await.unwrap();

    assert_eq!(
        *seen.lock().unwrap(),
        [
            ("updated by clerk".to_owned(), Some("printer".to_owned()), Some("PRINTER ON FIRE".to_owned())),
            ("deleted by admin-job".to_owned(), Some("PRINTER ON FIRE".to_owned()), None),
        ],
        "after-hooks ran once per committed change, with the record before and after"
    );
}
