//! The records API end to end over TCP, on SQLite and PostgreSQL: table-driven scenarios of
//! request, expected status and expected body fragments, happy and unhappy paths alike.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use omnera_core::backend::LogMailer;
use omnera_core::{App, Config};
use omnera_http::ObjectStoreBlobs;
use omnera_sql::SqlStorage;
use reqwest::Method;
use serde_json::{Value, json};

const APP: &str = r#"{"name": "Records API", "tables": [
  {"id": 1, "name": "companies", "fields": [
    {"id": 1, "name": "name", "type": "single-line-text", "required": true, "unique": true},
    {"id": 2, "name": "size", "type": "integer", "min": 0},
    {"id": 3, "name": "website", "type": "url"}]},
  {"id": 2, "name": "contacts", "fields": [
    {"id": 1, "name": "email", "type": "email", "required": true},
    {"id": 2, "name": "company", "type": "relationship", "relatedTable": "companies", "onDelete": "restrict"},
    {"id": 3, "name": "tags", "type": "multi-select", "options": ["vip", "press"]}]},
  {"id": 3, "name": "books", "fields": [
    {"id": 1, "name": "title", "type": "single-line-text"},
    {"id": 2, "name": "pages", "type": "integer"},
    {"id": 3, "name": "published", "type": "date"},
    {"id": 4, "name": "in_print", "type": "checkbox"},
    {"id": 5, "name": "genre", "type": "single-select", "options": ["novel", "essay"]},
    {"id": 6, "name": "read_at", "type": "time"},
    {"id": 7, "name": "owner_id", "type": "integer"}]}
]}"#;

/// Starts the app's router on a free loopback port; returns its base URL.
async fn serve(database_url: &str) -> String {
    let config = Config::from_json_str(APP).unwrap();
    let files = std::env::temp_dir().join(format!("omnera_files_{}", std::process::id()));
    let app = App::from_config(config)
        .with_storage(SqlStorage::connect(database_url).await.unwrap())
        .with_blob_store(ObjectStoreBlobs::local(files).unwrap())
        .with_mailer(LogMailer)
        .build()
        .await
        .unwrap();
    support::serve_app(app).await
}

/// One request and what its response must show.
struct Step {
    method: Method,
    path: String,
    body: Option<String>,
    headers: Vec<(&'static str, String)>,
    status: u16,
    expect: Value,
}

fn step(method: Method, path: impl Into<String>, body: Option<Value>, status: u16, expect: Value) -> Step {
    Step {
        method,
        path: path.into(),
        body: body.map(|body| body.to_string()),
        headers: Vec::new(),
        status,
        expect,
    }
}

fn get(path: impl Into<String>, status: u16, expect: Value) -> Step {
    step(Method::GET, path, None, status, expect)
}

fn post(path: impl Into<String>, body: Value, status: u16, expect: Value) -> Step {
    step(Method::POST, path, Some(body), status, expect)
}

/// Whether `actual` has everything `expected` has: objects by key, arrays element by element
/// with the same length, other values equal.
fn contains(actual: &Value, expected: &Value) -> bool {
    match (actual, expected) {
        (Value::Object(actual), Value::Object(expected)) => {
            expected.iter().all(|(key, value)| actual.get(key).is_some_and(|found| contains(found, value)))
        }
        (Value::Array(actual), Value::Array(expected)) => {
            actual.len() == expected.len()
                && actual.iter().zip(expected).all(|(found, value)| contains(found, value))
        }
        _ => actual == expected,
    }
}

async fn run(base: &str, steps: Vec<Step>) -> Vec<String> {
    let client = reqwest::Client::new();
    let mut failures = Vec::new();
    for step in steps {
        let mut request = client.request(step.method.clone(), format!("{base}{}", step.path));
        if let Some(body) = &step.body {
            request = request.header("content-type", "application/json").body(body.clone());
        }
        for (name, value) in &step.headers {
            request = request.header(*name, value);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let problem =
            response.headers().get("content-type").is_some_and(|value| value == "application/problem+json");
        let request_id =
            response.headers().get("x-request-id").map(|value| value.to_str().unwrap().to_owned());
        let text = response.text().await.unwrap();
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let label = format!("{} {}", step.method, step.path);
        if status != step.status {
            failures.push(format!("{label}: status {status}, expected {}; body {text}", step.status));
        } else if !contains(&body, &step.expect) {
            failures.push(format!("{label}: body {text} lacks {}", step.expect));
        } else if status >= 400 && (!problem || body["requestId"].as_str() != request_id.as_deref()) {
            failures.push(format!(
                "{label}: an error must be problem+json carrying the response's request id; got {text}"
            ));
        }
    }
    failures
}

fn scenarios() -> Vec<Step> {
    let companies = "/api/tables/companies/records";
    let invalid = |field: &str, code: &str| json!({"code": "validation_failed", "errors": [{"field": field, "code": code}]});
    let bad_parameter =
        |parameter: &str| json!({"status": 400, "code": "bad_request", "errors": [{"field": parameter}]});
    let mut steps = vec![
        post(
            companies,
            json!({"name": "Acme", "size": 12, "website": "https://acme.test"}),
            201,
            json!({"id": 1, "name": "Acme", "size": 12}),
        ),
        post(companies, json!({"name": "Globex", "size": 40}), 201, json!({"id": 2})),
        post(
            companies,
            json!([{"name": "Initech"}, {"name": "Umbrella", "size": 3}]),
            201,
            json!({"data": [{"id": 3}, {"id": 4}]}),
        ),
        get(format!("{companies}/1"), 200, json!({"id": 1, "name": "Acme", "website": "https://acme.test"})),
        // Writes ignore nothing silently.
        post(companies, json!({"name": "X", "nickname": "x"}), 422, invalid("nickname", "unknown_field")),
        post(companies, json!({"name": "X", "size": "big"}), 422, invalid("size", "wrong_type")),
        post(companies, json!({"name": "X", "size": 1.5}), 422, invalid("size", "wrong_type")),
        post(companies, json!({"name": "X", "id": 99}), 422, invalid("id", "read_only")),
        post(companies, json!({"size": 1}), 422, invalid("name", "required")),
        post(
            companies,
            json!({"name": "Y", "size": -1, "website": "ftp://x"}),
            422,
            json!({"detail": "2 fields are invalid"}),
        ),
        post(
            companies,
            json!({"name": "Acme"}),
            409,
            json!({"code": "unique_violation", "errors": [{"field": "name"}]}),
        ),
        post(companies, json!([{"name": "Ok"}, {"name": "Ok"}]), 409, json!({"code": "unique_violation"})),
        get(format!("{companies}?filter=name='Ok'"), 200, json!({"data": [], "pagination": {"total": 0}})),
        // Found by schemathesis: items that are not records fail the request instead of vanishing.
        post(
            companies,
            json!([{"name": "Fine"}, 7]),
            400,
            json!({"code": "invalid_json", "detail": "[1]: a record is a JSON object"}),
        ),
        post(companies, json!([]), 400, json!({"code": "invalid_json"})),
        post(format!("{companies}/batch"), json!({"create": [[null]]}), 400, json!({"code": "invalid_json"})),
        get(format!("{companies}?filter[name]=Fine"), 200, json!({"data": []})),
        Step {
            body: Some("{\"name\": ".to_owned()),
            ..post(companies, json!(null), 400, json!({"code": "invalid_json"}))
        },
        Step {
            headers: vec![("content-type", "text/plain".to_owned())],
            body: None,
            ..post(companies, json!(null), 415, json!({"code": "unsupported_media_type"}))
        },
        Step {
            body: Some(format!("{{\"name\": \"{}\"}}", "x".repeat(2 * 1024 * 1024))),
            ..post(companies, json!(null), 413, json!({"code": "payload_too_large"}))
        },
        // Not found, named.
        get("/api/tables/nope/records", 404, json!({"code": "not_found", "detail": "table nope not found"})),
        get(format!("{companies}/999"), 404, json!({"detail": "record 999 not found in table companies"})),
        get(format!("{companies}/abc"), 404, json!({"code": "not_found"})),
        get("/api/nothing/here", 404, json!({"code": "not_found"})),
        step(Method::DELETE, companies, None, 405, json!({"code": "method_not_allowed"})),
        // List parameters.
        get(
            format!("{companies}?limit=2"),
            200,
            json!({"data": [{"id": 1}, {"id": 2}], "pagination": {"page": 1, "limit": 2, "total": 4, "totalPages": 2, "hasNext": true, "hasPrev": false}}),
        ),
        get(
            format!("{companies}?limit=2&page=2&count=none"),
            200,
            json!({"data": [{"id": 3}, {"id": 4}], "pagination": {"page": 2, "hasNext": false, "hasPrev": true}}),
        ),
        get(
            format!("{companies}?sort=-size,name&fields=name"),
            200,
            json!({"data": [{"name": "Globex"}, {"name": "Acme"}, {"name": "Umbrella"}, {"name": "Initech"}]}),
        ),
        get(
            format!("{companies}?filter[size][gte]=10"),
            200,
            json!({"data": [{"name": "Acme"}, {"name": "Globex"}]}),
        ),
        get(format!("{companies}?filter[name]=Globex"), 200, json!({"data": [{"id": 2}]})),
        get(
            format!("{companies}?filter[size][in]=3,40&filter[name][starts_with]=g"),
            200,
            json!({"data": [{"id": 2}]}),
        ),
        get(
            format!("{companies}?filter=(name%3D'Acme'%20%7C%7C%20size%3E%3D40)%20%26%26%20name~'e'"),
            200,
            json!({"data": [{"id": 1}, {"id": 2}]}),
        ),
        get(format!("{companies}?search=GLOB"), 200, json!({"data": [{"id": 2}]})),
        get(format!("{companies}?limit=0"), 400, bad_parameter("limit")),
        get(format!("{companies}?limit=1001"), 400, bad_parameter("limit")),
        get(format!("{companies}?page=0"), 400, bad_parameter("page")),
        get(format!("{companies}?page=-1"), 400, bad_parameter("page")),
        get(format!("{companies}?page=2&after=abc"), 400, bad_parameter("page")),
        get(format!("{companies}?colour=red"), 400, bad_parameter("colour")),
        get(format!("{companies}?sort=colour"), 400, bad_parameter("sort")),
        get(format!("{companies}?fields=name,colour"), 400, bad_parameter("fields")),
        get(format!("{companies}?filter[size][between]=1"), 400, bad_parameter("filter[size][between]")),
        get(format!("{companies}?filter=size>"), 400, bad_parameter("filter")),
        get(format!("{companies}?filter=colour='red'"), 400, bad_parameter("filter")),
        get(format!("{companies}?filter=size~'1'"), 400, bad_parameter("filter")),
        get(format!("{companies}?filter[size]=big"), 400, bad_parameter("filter[size]")),
        get(format!("{companies}?count=some"), 400, bad_parameter("count")),
        get(format!("{companies}?expand=size"), 400, json!({"code": "bad_request"})),
        get(format!("{companies}?after=zz"), 400, json!({"code": "bad_request"})),
        // SQL metacharacters reach SQL only as bound values or as refused names.
        get(
            format!("{companies}?filter[name]=%27%3B%20DROP%20TABLE%20companies%3B%20--"),
            200,
            json!({"data": []}),
        ),
        get(format!("{companies}?search=%25%27%20OR%201%3D1%20--"), 200, json!({"data": []})),
        get(format!("{companies}?sort=name%3BDROP%20TABLE%20companies"), 400, bad_parameter("sort")),
        get(format!("{companies}?filter=name%3D'x'%20OR%201%3D1"), 400, bad_parameter("filter")),
        get("/api/tables/companies%3Bdrop/records", 404, json!({"code": "not_found"})),
        get(format!("{companies}/1%20OR%201%3D1"), 404, json!({"code": "not_found"})),
        get(format!("{companies}?limit=10"), 200, json!({"pagination": {"total": 4}})),
        // Changes, ETags and conditions.
        step(
            Method::PATCH,
            format!("{companies}/1"),
            Some(json!({"size": 13})),
            200,
            json!({"id": 1, "name": "Acme", "size": 13}),
        ),
        Step {
            headers: vec![("if-match", "\"1.1\"".to_owned())],
            ..step(
                Method::PATCH,
                format!("{companies}/1"),
                Some(json!({"size": 14})),
                412,
                json!({"code": "precondition_failed"}),
            )
        },
        Step {
            headers: vec![("if-match", "\"1.2\"".to_owned())],
            ..step(
                Method::PATCH,
                format!("{companies}/1"),
                Some(json!({"size": 14})),
                200,
                json!({"size": 14}),
            )
        },
        Step {
            headers: vec![("if-match", "\"2.3\"".to_owned())],
            ..step(
                Method::DELETE,
                format!("{companies}/1"),
                None,
                412,
                json!({"code": "precondition_failed"}),
            )
        },
        step(
            Method::PUT,
            format!("{companies}/1"),
            Some(json!({"name": "Acme"})),
            200,
            json!({"name": "Acme", "size": null, "website": null}),
        ),
        step(
            Method::PUT,
            format!("{companies}/1"),
            Some(json!({"size": 1})),
            422,
            invalid("name", "required"),
        ),
        step(
            Method::PATCH,
            format!("{companies}/999"),
            Some(json!({"size": 1})),
            404,
            json!({"detail": "record 999 not found in table companies"}),
        ),
        // Relationships: references must exist; restrict names the referencing table.
        post(
            "/api/tables/contacts/records",
            json!({"email": "ann@example.com", "company": 2, "tags": ["vip"]}),
            201,
            json!({"company": 2, "tags": ["vip"]}),
        ),
        post(
            "/api/tables/contacts/records",
            json!({"email": "bob@example.com", "company": 77}),
            422,
            invalid("company", "missing_reference"),
        ),
        get(
            "/api/tables/contacts/records?expand=company",
            200,
            json!({"data": [{"email": "ann@example.com", "company": {"name": "Globex"}}]}),
        ),
        get(
            "/api/tables/contacts/records?filter[tags][has]=vip&filter=company.name~'glob'",
            200,
            json!({"data": [{"id": 1}]}),
        ),
        step(
            Method::DELETE,
            format!("{companies}/2"),
            None,
            409,
            json!({"code": "still_referenced", "detail": "record 2 of table companies is still referenced by table contacts"}),
        ),
        step(Method::DELETE, format!("{companies}/4"), None, 204, json!(null)),
        get(format!("{companies}/4"), 404, json!({"code": "not_found"})),
        // Batches are all or nothing.
        post(
            format!("{companies}/batch"),
            json!({"create": [{"name": "Hooli"}], "update": [{"id": 3, "size": 5}], "delete": [999]}),
            404,
            json!({"detail": "record 999 not found in table companies"}),
        ),
        get(format!("{companies}?filter[name]=Hooli"), 200, json!({"data": []})),
        post(
            format!("{companies}/batch"),
            json!({"create": [{"name": "Hooli"}], "update": [{"id": 3, "size": 5}], "delete": [1]}),
            200,
            json!({"created": [{"name": "Hooli"}], "updated": [{"id": 3, "size": 5}], "deleted": [1]}),
        ),
        // A record named twice in one batch is refused before anything is written.
        post(
            format!("{companies}/batch"),
            json!({"delete": [3, 3]}),
            422,
            json!({"code": "validation_failed", "errors": [{"field": "delete[1]", "code": "duplicate_id"}]}),
        ),
        post(
            format!("{companies}/batch"),
            json!({"update": [{"id": 3, "size": 6}, {"id": 3, "size": 7}], "delete": [3]}),
            422,
            json!({"errors": [{"field": "update[1].id", "code": "duplicate_id"}, {"field": "delete[0]", "code": "duplicate_id"}]}),
        ),
        get(format!("{companies}/3"), 200, json!({"id": 3, "size": 5})),
        post(
            format!("{companies}/batch"),
            json!({"create": [{"nam": "x"}], "remove": []}),
            400,
            json!({"code": "invalid_json"}),
        ),
        post(
            format!("{companies}/batch"),
            json!({"create": [{"nam": "x"}]}),
            422,
            json!({"errors": [{"field": "create[0].nam", "code": "unknown_field"}, {"field": "create[0].name", "code": "required"}]}),
        ),
        // Request ids are echoed.
        Step {
            headers: vec![("x-request-id", "trace-me-123".to_owned())],
            ..get(format!("{companies}/999"), 404, json!({"requestId": "trace-me-123"}))
        },
        get("/health/live", 200, json!({"status": "ok"})),
        get("/health/ready", 200, json!({"status": "ready"})),
    ];
    steps.extend(book_steps());
    // An empty parameter is the same as none, as an empty form field sends it.
    steps.push(get(
        format!("{companies}?limit=1&after=&filter=&sort="),
        200,
        json!({"pagination": {"page": 1, "limit": 1}}),
    ));
    steps
}

/// A filter that names no field, takes an operator or a value that does not fit the field's
/// type, or holds a NUL character is a 400 naming the parameter as written, on every database;
/// values both databases could not keep alike (NUL characters, leap seconds) are 422s.
fn book_steps() -> Vec<Step> {
    let books = "/api/tables/books/records";
    let bad_parameter = |parameter: &str| json!({"status": 400, "code": "bad_request", "errors": [{"field": parameter, "code": "invalid_parameter"}]});
    let mut steps = vec![post(
        books,
        json!({"title": "Dune", "pages": 412, "published": "1965-08-01", "in_print": true, "genre": "novel"}),
        201,
        json!({"title": "Dune"}),
    )];
    let invalid = |field: &str, code: &str| json!({"code": "validation_failed", "errors": [{"field": field, "code": code}]});
    steps.push(post(books, json!({"title": "nul\u{0}byte"}), 422, invalid("title", "contains_nul")));
    steps.push(post(books, json!({"read_at": "23:59:60"}), 422, invalid("read_at", "invalid_time")));
    steps.push(post(books, json!({"read_at": "23:59:59"}), 201, json!({"id": 2, "read_at": "23:59:59"})));
    steps.push(step(Method::DELETE, format!("{books}/2"), None, 204, json!(null)));
    for (query, parameter) in [
        ("filter[nope]=1", "filter[nope]"),
        ("filter[pages]=abc", "filter[pages]"),
        ("filter[pages][contains]=1", "filter[pages][contains]"),
        ("filter[published]=2024-02-30", "filter[published]"),
        ("filter[in_print][gt]=true", "filter[in_print][gt]"),
        ("filter[genre]=poetry", "filter[genre]"),
        ("filter[title]=a%00b", "filter[title]"),
        ("search=a%00b", "search"),
        ("filter=nope%20%3D%201", "filter"),
        ("filter=pages%20%3D%20'abc'", "filter"),
        ("filter=pages%20~%203", "filter"),
        ("filter=title%20%3D%20'a%00b'", "filter"),
        ("filter=pages%20%3E%20%40now", "filter"),
        ("filter=title%20%3D%20%40now", "filter"),
        ("filter=owner_id%20%3D%20%40now", "filter"),
        ("filter=read_at%20%3E%20%40now", "filter"),
        ("filter=title%20%3D%20%40user.id", "filter"),
        ("filter=published%20%3D%20%40user.id", "filter"),
    ] {
        steps.push(get(format!("{books}?{query}"), 400, bad_parameter(parameter)));
    }
    // @now on a date field compares with today's date (UTC), bound as a date on PostgreSQL too.
    for _ in 0..3 {
        steps.push(get(format!("{books}?filter=published%20%3E%20%40now"), 200, json!({"data": []})));
        steps.push(get(
            format!("{books}?filter=published%20%3C%20%40now"),
            200,
            json!({"data": [{"title": "Dune"}]}),
        ));
    }
    steps.push(get(
        format!("{books}?filter=created_at%20%3C%3D%20%40now&filter[genre]=novel"),
        200,
        json!({"data": [{"id": 1}]}),
    ));
    steps
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_records_api_on_sqlite() {
    let base = serve(&omnera_sql::testing::sqlite_url()).await;
    let failures = run(&base, scenarios()).await;
    assert!(failures.is_empty(), "{} step(s) failed:\n{}", failures.len(), failures.join("\n"));
    only_named_fields_are_returned(&serve(&omnera_sql::testing::sqlite_url()).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_records_api_on_postgres() {
    let Some(admin) = omnera_sql::testing::postgres_admin_url("the records API") else { return };
    let base = serve(&omnera_sql::testing::postgres_database(&admin).await).await;
    let failures = run(&base, scenarios()).await;
    only_named_fields_are_returned(&serve(&omnera_sql::testing::postgres_database(&admin).await).await).await;
    omnera_sql::testing::drop_postgres_databases(&admin).await;
    assert!(failures.is_empty(), "{} step(s) failed:\n{}", failures.len(), failures.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyset_cursors_walk_every_record_once() {
    let base = serve(&omnera_sql::testing::sqlite_url()).await;
    let client = reqwest::Client::new();
    let names: Vec<Value> =
        (0..7).map(|index| json!({"name": format!("c{index}"), "size": index % 3})).collect();
    client.post(format!("{base}/api/tables/companies/records")).json(&names).send().await.unwrap();
    let mut seen = Vec::new();
    let mut next = format!("{base}/api/tables/companies/records?limit=3&sort=-size");
    for walked in 0.. {
        let page: Value = client.get(&next).send().await.unwrap().json().await.unwrap();
        assert_eq!(page["pagination"].get("page").is_none(), walked > 0, "cursor pages have no page number");
        seen.extend(
            page["data"].as_array().unwrap().iter().map(|record| record["name"].as_str().unwrap().to_owned()),
        );
        match page["pagination"]["nextCursor"].as_str() {
            Some(cursor) => {
                next = format!("{base}/api/tables/companies/records?limit=3&sort=-size&after={cursor}");
            }
            None => break,
        }
    }
    assert_eq!(seen, ["c2", "c5", "c1", "c4", "c0", "c3", "c6"]);
}

/// `fields` returns `id` and the named fields only: the timestamps when named, a sort key only
/// when named, even on cursor pages that need the sort key inside.
async fn only_named_fields_are_returned(base: &str) {
    let client = reqwest::Client::new();
    let companies = format!("{base}/api/tables/companies/records");
    let created = client.post(&companies).json(&json!([{"name": "A", "size": 1}, {"name": "B", "size": 2}]));
    assert_eq!(created.send().await.unwrap().status().as_u16(), 201);
    let keys = |record: &Value| record.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    for (query, expected) in [
        ("fields=name", vec!["id", "name"]),
        ("fields=name&sort=-size&limit=1", vec!["id", "name"]),
        ("fields=size,updated_at", vec!["id", "size", "updated_at"]),
    ] {
        let page: Value =
            client.get(format!("{companies}?{query}")).send().await.unwrap().json().await.unwrap();
        assert_eq!(keys(&page["data"][0]), expected, "{query}: {page}");
        if let Some(cursor) = page["pagination"]["nextCursor"].as_str() {
            let next = client.get(format!("{companies}?{query}&after={cursor}")).send().await.unwrap();
            let next: Value = next.json().await.unwrap();
            assert_eq!(keys(&next["data"][0]), expected, "the cursor page of {query}: {next}");
            assert_eq!(next["data"][0]["name"], "A", "the cursor still walks by the sort key");
        }
    }
}
