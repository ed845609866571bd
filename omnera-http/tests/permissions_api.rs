//! Permissions end to end, on SQLite and PostgreSQL: row filters compiled into lists, a row
//! another role owns is a 404, a row one may read but not change is a 403, no credentials a 401,
//! and a create or change that would leave the rows a `where` allows is a 403 that writes nothing.
//! Through relationships too: `expand` and filter paths never show or test a related row the
//! caller may not read.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use omnera_core::accounts::ensure_admin;
use omnera_core::backend::NewUser;
use omnera_core::backend::UserStore;
use reqwest::{Client, Method};
use serde_json::{Value, json};

const APP: &str = r#"{"name": "Sales", "auth": {
    "roles": ["sales", "manager"],
    "permissions": [
      {"role": "sales", "table": "deals", "actions": ["read", "update", "delete"], "where": "owner_id = @user.id"},
      {"role": "sales", "table": "deals", "actions": ["create"], "where": "owner_id = @user.id"},
      {"role": "manager", "table": "deals", "actions": ["read"]},
      {"role": "anonymous", "table": "notes", "actions": ["read"]}
    ]},
  "tables": [
    {"id": 1, "name": "deals", "fields": [
      {"id": 1, "name": "title", "type": "single-line-text", "required": true},
      {"id": 2, "name": "owner_id", "type": "integer"}]},
    {"id": 2, "name": "notes", "fields": [{"id": 1, "name": "body", "type": "long-text"}]}
  ]}"#;

/// What a step checks, whose token it uses, the request, and the status it must get.
type Step<'t> = (&'static str, Option<&'t str>, Method, String, Option<Value>, u16);

struct Server {
    base: String,
    client: Client,
}

impl Server {
    async fn call(
        &self,
        token: Option<&str>,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
    }

    async fn sign_in(&self, email: &str) -> String {
        let (status, body) = self
            .call(
                None,
                Method::POST,
                "/api/auth/sign-in",
                Some(json!({"email": email, "password": "password 123"})),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body["token"].as_str().unwrap().to_owned()
    }
}

async fn permissions_hold_on(database_url: &str) {
    let (app, storage) = support::app_with_accounts(APP, database_url).await;
    let mut ids = Vec::new();
    for (email, role) in
        [("ann@example.com", "sales"), ("bob@example.com", "sales"), ("mia@example.com", "manager")]
    {
        ids.push(
            storage
                .create_user(NewUser::new(
                    email,
                    None,
                    support::password_hash("password 123"),
                    vec![role.to_owned()],
                ))
                .await
                .unwrap()
                .id,
        );
    }
    ensure_admin(&storage, "root@example.com", "password 123").await.unwrap();
    let server = Server { base: support::serve_app(app).await, client: Client::new() };
    let (ann, bob, mia, root) = (
        server.sign_in("ann@example.com").await,
        server.sign_in("bob@example.com").await,
        server.sign_in("mia@example.com").await,
        server.sign_in("root@example.com").await,
    );
    let deals = "/api/tables/deals/records";
    let (status, ann_deal) = server
        .call(Some(&ann), Method::POST, deals, Some(json!({"title": "Ann's", "owner_id": ids[0]})))
        .await;
    assert_eq!(status, 201, "{ann_deal}");
    let (status, bob_deal) = server
        .call(Some(&bob), Method::POST, deals, Some(json!({"title": "Bob's", "owner_id": ids[1]})))
        .await;
    assert_eq!(status, 201, "{bob_deal}");
    let (ann_id, bob_id) = (ann_deal["id"].as_i64().unwrap(), bob_deal["id"].as_i64().unwrap());
    let titles = |body: &Value| -> Vec<String> {
        body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|deal| deal["title"].as_str().unwrap().to_owned())
            .collect()
    };

    let steps: Vec<Step<'_>> = vec![
        ("anonymous may not list deals", None, Method::GET, deals.to_owned(), None, 401),
        ("anonymous may not create", None, Method::POST, deals.to_owned(), Some(json!({"title": "x"})), 401),
        (
            "a forged token is a 401 even where anonymous may read",
            Some("forged"),
            Method::GET,
            "/api/tables/notes/records".to_owned(),
            None,
            401,
        ),
        ("anonymous may read notes", None, Method::GET, "/api/tables/notes/records".to_owned(), None, 200),
        ("ann reads her deal", Some(&ann), Method::GET, format!("{deals}/{ann_id}"), None, 200),
        ("ann cannot see bob's deal", Some(&ann), Method::GET, format!("{deals}/{bob_id}"), None, 404),
        (
            "nor change it",
            Some(&ann),
            Method::PATCH,
            format!("{deals}/{bob_id}"),
            Some(json!({"title": "mine"})),
            404,
        ),
        ("nor delete it", Some(&ann), Method::DELETE, format!("{deals}/{bob_id}"), None, 404),
        (
            "ann changes her deal",
            Some(&ann),
            Method::PATCH,
            format!("{deals}/{ann_id}"),
            Some(json!({"title": "Ann's, won"})),
            200,
        ),
        ("mia reads bob's deal", Some(&mia), Method::GET, format!("{deals}/{bob_id}"), None, 200),
        (
            "but may not change it",
            Some(&mia),
            Method::PATCH,
            format!("{deals}/{bob_id}"),
            Some(json!({"title": "x"})),
            403,
        ),
        ("nor delete it", Some(&mia), Method::DELETE, format!("{deals}/{bob_id}"), None, 403),
        ("nor create deals", Some(&mia), Method::POST, deals.to_owned(), Some(json!({"title": "x"})), 403),
        (
            "ann may not touch notes",
            Some(&ann),
            Method::POST,
            "/api/tables/notes/records".to_owned(),
            Some(json!({"body": "x"})),
            403,
        ),
        (
            "a batch that reaches bob's deal fails whole",
            Some(&ann),
            Method::POST,
            format!("{deals}/batch"),
            Some(json!({"update": [{"id": ann_id, "title": "again"}, {"id": bob_id, "title": "stolen"}]})),
            404,
        ),
        (
            "ann may not create a deal for bob",
            Some(&ann),
            Method::POST,
            deals.to_owned(),
            Some(json!({"title": "for Bob", "owner_id": ids[1]})),
            403,
        ),
        (
            "nor hand her deal to bob",
            Some(&ann),
            Method::PATCH,
            format!("{deals}/{ann_id}"),
            Some(json!({"owner_id": ids[1]})),
            403,
        ),
        (
            "a batch creating one deal for bob fails whole",
            Some(&ann),
            Method::POST,
            format!("{deals}/batch"),
            Some(
                json!({"create": [{"title": "mine too", "owner_id": ids[0]}, {"title": "his", "owner_id": ids[1]}]}),
            ),
            403,
        ),
        ("root may do anything", Some(&root), Method::DELETE, format!("{deals}/{bob_id}"), None, 204),
    ];
    let mut failures = Vec::new();
    for (what, token, method, path, body, expected) in steps {
        let (status, response) = server.call(token, method.clone(), &path, body).await;
        if status != expected {
            failures.push(format!("{what}: {method} {path} gave {status}, expected {expected}: {response}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    let (_, listed) = server.call(Some(&ann), Method::GET, deals, None).await;
    assert_eq!(titles(&listed), ["Ann's, won"], "a list holds only the rows the caller may read");
    let (_, filtered) =
        server.call(Some(&ann), Method::GET, &format!("{deals}?filter=title~'bob'"), None).await;
    assert_eq!(filtered["pagination"]["total"], 0, "the caller's filter cannot widen the permission's");
    let (_, everything) = server.call(Some(&mia), Method::GET, deals, None).await;
    assert_eq!(titles(&everything), ["Ann's, won"], "bob's deal is gone, and refused writes left nothing");
    let (_, still) = server.call(Some(&root), Method::GET, &format!("{deals}/{ann_id}"), None).await;
    assert_eq!(still["title"], "Ann's, won", "the failed batch changed nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn permissions_on_sqlite() {
    permissions_hold_on(&omnera_sql::testing::sqlite_url()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn permissions_on_postgres() {
    let Some(admin) = omnera_sql::testing::postgres_admin_url("the permissions") else { return };
    permissions_hold_on(&omnera_sql::testing::postgres_database(&admin).await).await;
    // In the same test: dropping this process's databases would pull them from under another.
    related_rows_stay_hidden_on(&omnera_sql::testing::postgres_database(&admin).await).await;
    omnera_sql::testing::drop_postgres_databases(&admin).await;
}

/// Tables related to `books` with every kind of read permission a member can have: none
/// (`secrets`), row filters (`authors`, `reviews`, `tags`) and every row (`books`, `countries`).
const LIBRARY: &str = r#"{"name": "Library", "auth": {
    "roles": ["member"],
    "permissions": [
      {"role": "member", "table": "books", "actions": ["read"]},
      {"role": "member", "table": "countries", "actions": ["read"]},
      {"role": "member", "table": "authors", "actions": ["read"], "where": "public = true"},
      {"role": "member", "table": "reviews", "actions": ["read"], "where": "owner = @user.id && !(title = 'retracted')"},
      {"role": "member", "table": "tags", "actions": ["read"], "where": "public = true"}
    ]},
  "tables": [
    {"id": 1, "name": "countries", "fields": [{"id": 1, "name": "name", "type": "single-line-text"}]},
    {"id": 2, "name": "authors", "fields": [
      {"id": 1, "name": "name", "type": "single-line-text"},
      {"id": 2, "name": "public", "type": "checkbox"},
      {"id": 3, "name": "country", "type": "relationship", "relatedTable": "countries"}]},
    {"id": 3, "name": "secrets", "fields": [
      {"id": 1, "name": "label", "type": "single-line-text"},
      {"id": 2, "name": "country", "type": "relationship", "relatedTable": "countries"}]},
    {"id": 4, "name": "reviews", "fields": [
      {"id": 1, "name": "title", "type": "single-line-text"},
      {"id": 2, "name": "owner", "type": "integer"}]},
    {"id": 5, "name": "tags", "fields": [
      {"id": 1, "name": "name", "type": "single-line-text"},
      {"id": 2, "name": "public", "type": "checkbox"}]},
    {"id": 6, "name": "books", "fields": [
      {"id": 1, "name": "title", "type": "single-line-text"},
      {"id": 2, "name": "author", "type": "relationship", "relatedTable": "authors"},
      {"id": 3, "name": "secret", "type": "relationship", "relatedTable": "secrets"},
      {"id": 4, "name": "top_review", "type": "relationship", "relatedTable": "reviews"},
      {"id": 5, "name": "tags", "type": "relationship", "relatedTable": "tags", "relationType": "many-to-many"}]}
  ]}"#;

/// What a look at the books checks, whose token it uses, the query, the status it must get and
/// a value of the answer (a JSON pointer and the value it must point at; null: nothing there).
type Look<'t> = (&'static str, &'t str, Vec<(&'static str, String)>, u16, &'static str, Value);

async fn related_rows_stay_hidden_on(database_url: &str) {
    let (app, storage) = support::app_with_accounts(LIBRARY, database_url).await;
    let member_id = storage
        .create_user(NewUser::new(
            "max@example.com",
            None,
            support::password_hash("password 123"),
            vec!["member".to_owned()],
        ))
        .await
        .unwrap()
        .id;
    ensure_admin(&storage, "root@example.com", "password 123").await.unwrap();
    let server = Server { base: support::serve_app(app).await, client: Client::new() };
    let (max, root) = (server.sign_in("max@example.com").await, server.sign_in("root@example.com").await);
    let create = async |table: &str, body: Value| -> i64 {
        let path = format!("/api/tables/{table}/records");
        let (status, record) = server.call(Some(&root), Method::POST, &path, Some(body)).await;
        assert_eq!(status, 201, "{record}");
        record["id"].as_i64().unwrap()
    };
    let norway = create("countries", json!({"name": "Norway"})).await;
    let ann = create("authors", json!({"name": "Ann Public", "public": true, "country": norway})).await;
    let hal = create("authors", json!({"name": "Hidden Hal", "public": false, "country": norway})).await;
    let secret = create("secrets", json!({"label": "top-secret-label", "country": norway})).await;
    let mine = create("reviews", json!({"title": "mine", "owner": member_id})).await;
    let hidden = create("reviews", json!({"title": "top-review-hidden", "owner": member_id + 1000})).await;
    let open = create("tags", json!({"name": "open", "public": true})).await;
    let closed = create("tags", json!({"name": "closed-tag", "public": false})).await;
    create(
        "books",
        json!({"title": "One", "author": ann, "secret": secret, "top_review": hidden, "tags": [open, closed]}),
    )
    .await;
    create("books", json!({"title": "Two", "author": hal, "top_review": mine, "tags": [open]})).await;
    // Reviews the member's `where` cannot decide (no owner) or that are its `!` case (no title).
    let orphan = create("reviews", json!({"title": "top-orphan"})).await;
    let untitled = create("reviews", json!({"owner": member_id})).await;
    create("books", json!({"title": "Three", "top_review": orphan})).await;
    create("books", json!({"title": "Four", "top_review": untitled})).await;

    let (status, body) =
        server.call(Some(&max), Method::GET, &format!("/api/tables/secrets/records/{secret}"), None).await;
    assert_eq!(status, 403, "the member may not read secrets at all: {body}");
    let (status, body) =
        server.call(Some(&max), Method::GET, &format!("/api/tables/reviews/records/{hidden}"), None).await;
    assert_eq!(status, 404, "another's review does not exist for the member: {body}");
    let (status, body) =
        server.call(Some(&max), Method::GET, &format!("/api/tables/reviews/records/{untitled}"), None).await;
    assert_eq!(status, 404, "nor one without a title, which `!(title = 'retracted')` leaves out: {body}");

    let q = |pairs: &[(&'static str, &str)]| {
        pairs.iter().map(|(key, value)| (*key, (*value).to_owned())).collect()
    };
    let looks: Vec<Look<'_>> = vec![
        (
            "expanding an unreadable table is refused",
            &max,
            q(&[("expand", "secret")]),
            400,
            "/errors/0/field",
            json!("expand"),
        ),
        (
            "also next to readable ones",
            &max,
            q(&[("expand", "top_review,secret")]),
            400,
            "/errors/0/field",
            json!("expand"),
        ),
        (
            "a nested expand through an unreadable hop is refused",
            &max,
            q(&[("expand", "secret.country")]),
            400,
            "/errors/0/field",
            json!("expand"),
        ),
        (
            "a review outside the where is not embedded: the plain id stays",
            &max,
            q(&[("expand", "top_review")]),
            200,
            "/data/0/top_review",
            json!(hidden),
        ),
        (
            "a review inside it is",
            &max,
            q(&[("expand", "top_review")]),
            200,
            "/data/1/top_review/title",
            json!("mine"),
        ),
        (
            "a readable author and its country are embedded",
            &max,
            q(&[("expand", "author.country")]),
            200,
            "/data/0/author/country/name",
            json!("Norway"),
        ),
        (
            "a hidden author is not, nor what lies below it",
            &max,
            q(&[("expand", "author.country")]),
            200,
            "/data/1/author",
            json!(hal),
        ),
        (
            "a many-to-many list embeds the readable rows",
            &max,
            q(&[("expand", "tags")]),
            200,
            "/data/0/tags/0/name",
            json!("open"),
        ),
        ("and leaves hidden ones out", &max, q(&[("expand", "tags")]), 200, "/data/0/tags/1", Value::Null),
        (
            "a filter path into an unreadable table is refused",
            &max,
            q(&[("filter", "secret.label ^~ 'top-s'")]),
            400,
            "/errors/0/field",
            json!("filter"),
        ),
        (
            "so is the bracket form",
            &max,
            q(&[("filter[secret.label][starts_with]", "top-s")]),
            400,
            "/errors/0/field",
            json!("filter"),
        ),
        (
            "a prefix guess on a hidden review finds nothing",
            &max,
            q(&[("filter", "top_review.title ^~ 'top-'")]),
            200,
            "/pagination/total",
            json!(0),
        ),
        (
            "nor does the bracket form",
            &max,
            q(&[("filter[top_review.title][starts_with]", "top-")]),
            200,
            "/pagination/total",
            json!(0),
        ),
        (
            "nor its negation: a hidden review counts as empty",
            &max,
            q(&[("filter", "!(top_review.title ^~ 'top-')")]),
            200,
            "/pagination/total",
            json!(4),
        ),
        (
            "even where the review's where is unknown (no owner), a guess tells nothing",
            &max,
            q(&[("filter", "!(top_review.title ^~ 'top-o')")]),
            200,
            "/pagination/total",
            json!(4),
        ),
        (
            "a row the where's `!` leaves out stays out through relationships",
            &max,
            q(&[("filter", format!("top_review.owner = {member_id}").as_str())]),
            200,
            "/pagination/total",
            json!(1),
        ),
        (
            "an empty row's title is null",
            &max,
            q(&[("filter", "top_review.title is null")]),
            200,
            "/data/0/title",
            json!("One"),
        ),
        (
            "a readable review is filtered as before",
            &max,
            q(&[("filter", "top_review.title = 'mine'")]),
            200,
            "/data/0/title",
            json!("Two"),
        ),
        (
            "a hidden author's name cannot be guessed",
            &max,
            q(&[("filter", "author.name ~ 'hal'")]),
            200,
            "/pagination/total",
            json!(0),
        ),
        (
            "nor a country reached through a hidden author",
            &max,
            q(&[("filter", "author.country.name = 'Norway'")]),
            200,
            "/pagination/total",
            json!(1),
        ),
        (
            "has tests the record's own ids, shown without expand anyway",
            &max,
            q(&[("filter", &format!("tags has {closed}"))]),
            200,
            "/data/0/tags",
            json!([open, closed]),
        ),
        (
            "the admin sees every embedded row",
            &root,
            q(&[("expand", "secret.country,top_review,tags,author.country")]),
            200,
            "/data/0/secret/label",
            json!("top-secret-label"),
        ),
        (
            "and every hidden review",
            &root,
            q(&[("expand", "top_review")]),
            200,
            "/data/0/top_review/title",
            json!("top-review-hidden"),
        ),
        ("and every tag", &root, q(&[("expand", "tags")]), 200, "/data/0/tags/1/name", json!("closed-tag")),
        (
            "and every author",
            &root,
            q(&[("expand", "author")]),
            200,
            "/data/1/author/name",
            json!("Hidden Hal"),
        ),
        (
            "and filters through any table",
            &root,
            q(&[("filter", "secret.label ^~ 'top-s'")]),
            200,
            "/pagination/total",
            json!(1),
        ),
        (
            "with the usual empty-row answers",
            &root,
            q(&[("filter", "top_review.title ^~ 'top-'")]),
            200,
            "/pagination/total",
            json!(2),
        ),
    ];
    let mut failures = Vec::new();
    for (what, token, query, status, pointer, expected) in looks {
        let url =
            reqwest::Url::parse_with_params(&format!("{}/api/tables/books/records", server.base), &query)
                .unwrap();
        let response = server.client.get(url).bearer_auth(token).send().await.unwrap();
        let got = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if got != status || body.pointer(pointer).unwrap_or(&Value::Null) != &expected {
            failures.push(format!(
                "{what}: {query:?} gave {got} and {body}, expected {status} and {pointer} = {expected}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn related_rows_stay_hidden_on_sqlite() {
    related_rows_stay_hidden_on(&omnera_sql::testing::sqlite_url()).await;
}
