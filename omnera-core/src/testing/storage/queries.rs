//! Cases for lists: filters against expected rows, search, sort, offset and keyset pages, expand.

use std::sync::Arc;

use serde_json::json;

use super::StorageCase;
use super::fixture::{applied, create, shown, value};
use crate::Schema;
use crate::backend::{Caller, ListQuery, PageRequest, Record, SortKey, Storage, StorageError};
use crate::query::parse_filter;

pub(super) fn cases() -> Vec<StorageCase> {
    named_cases![
        filters_return_exactly_the_matching_rows,
        search_looks_in_text_fields_only,
        sort_breaks_ties_by_id_and_treats_empty_values_as_smallest,
        keyset_pages_walk_the_same_rows_as_offset_pages,
        keyset_pages_keep_every_digit_of_a_decimal_sort_key,
        count_none_skips_the_total,
        filtered_totals_hold_on_every_page,
        fields_select_what_a_list_returns,
        expand_embeds_related_records,
        invalid_queries_name_the_problem,
    ]
}

/// Ten people and two companies; returns the schema.
async fn seeded(storage: &dyn Storage) -> Schema {
    let schema = applied(storage).await;
    let acme = create(storage, &schema, "companies", json!({"name": "Acme"})).await;
    let globex = create(storage, &schema, "companies", json!({"name": "Globex"})).await;
    let people = [
        json!({"email": "ann@example.com", "full_name": "Ann Lee", "age": 30, "salary": "100.50", "active": true, "stage": "customer", "tags": ["vip"], "company": acme.id, "born": "1990-01-01"}),
        json!({"email": "bob@example.com", "full_name": "Bob 100%_real", "age": 25, "salary": "99.99", "active": false, "stage": "lead", "tags": ["press", "vip"], "company": globex.id}),
        json!({"email": "cy@example.com", "full_name": "Cy", "age": 30, "salary": "1000", "active": true, "stage": "churned", "company": acme.id, "born": "1985-06-15"}),
        json!({"email": "di@example.com", "full_name": "Di Anna", "stage": "lead", "tags": ["partner"]}),
        json!({"email": "ed@example.com", "full_name": "Ed", "age": 55, "salary": "5.5", "active": true, "stage": "customer", "company": globex.id}),
        json!({"email": "fay@example.com", "full_name": "Fay", "age": 41, "active": false, "stage": "customer", "bio": "Likes ANNA's cooking"}),
        json!({"email": "gus@example.com", "age": 19, "salary": "0", "stage": "lead"}),
        json!({"email": "hal@example.com", "full_name": "Hal", "age": 30, "salary": "100.5", "active": true, "stage": "lead", "tags": ["vip", "partner"]}),
        json!({"email": "ivy@example.com", "full_name": "ivy", "age": 64, "salary": "20000", "stage": "churned", "company": acme.id}),
        json!({"email": "jo@example.com", "full_name": "Jo", "age": 30, "active": true, "stage": "customer", "born": "2001-12-31"}),
    ];
    for person in people {
        create(storage, &schema, "people", person).await;
    }
    schema
}

fn emails(records: &[Record]) -> Vec<String> {
    records
        .iter()
        .map(|record| {
            value(record, "email")
                .as_str()
                .unwrap_or_default()
                .split('@')
                .next()
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

async fn matching(storage: &dyn Storage, filter: &str) -> Vec<String> {
    let query = ListQuery {
        filter: Some(parse_filter(filter).unwrap()),
        caller: Caller::user(5, ["sales"]),
        ..ListQuery::default()
    };
    let page =
        storage.list("people", &query).await.unwrap_or_else(|error| panic!("`{filter}` failed: {error}"));
    emails(&page.records)
}

async fn filters_return_exactly_the_matching_rows(storage: Arc<dyn Storage>) {
    seeded(&*storage).await;
    let cases: [(&str, &[&str]); 30] = [
        ("age = 30", &["ann", "cy", "hal", "jo"]),
        ("age != 30", &["bob", "di", "ed", "fay", "gus", "ivy"]),
        ("age > 30 && age <= 55", &["ed", "fay"]),
        ("age >= 55 || age < 20", &["ed", "gus", "ivy"]),
        ("salary > 100", &["ann", "cy", "hal", "ivy"]),
        ("salary = 100.5", &["ann", "hal"]),
        ("salary < 6", &["ed", "gus"]),
        // Values with more digits than the field's precision compare exactly, as do huge ones.
        ("salary > 100.499", &["ann", "cy", "hal", "ivy"]),
        ("salary >= 100.501", &["cy", "ivy"]),
        ("salary = 100.505", &[]),
        ("salary <= 5.4999", &["gus"]),
        ("salary < 1e3", &["ann", "bob", "ed", "gus", "hal"]),
        ("salary < 99999999999999999999999", &["ann", "bob", "cy", "ed", "gus", "hal", "ivy"]),
        ("active = true", &["ann", "cy", "ed", "hal", "jo"]),
        ("active = false", &["bob", "di", "fay", "gus", "ivy"]),
        ("stage in ['lead', 'churned']", &["bob", "cy", "di", "gus", "hal", "ivy"]),
        ("stage not in ['lead']", &["ann", "cy", "ed", "fay", "ivy", "jo"]),
        ("full_name ~ 'ann'", &["ann", "di"]),
        ("full_name !~ 'ann'", &["bob", "cy", "ed", "fay", "gus", "hal", "ivy", "jo"]),
        ("full_name ^~ 'i'", &["ivy"]),
        ("full_name $~ 'LEE'", &["ann"]),
        ("full_name ~ '%_'", &["bob"]),
        ("tags has 'vip'", &["ann", "bob", "hal"]),
        ("tags is null", &["cy", "ed", "fay", "gus", "ivy", "jo"]),
        ("full_name is null", &["gus"]),
        ("company.name = 'Acme'", &["ann", "cy", "ivy"]),
        ("company.name ~ 'glob' && age > 20", &["bob", "ed"]),
        ("!(stage = 'lead') && born > '1989-12-31'", &["ann", "jo"]),
        ("id = @user.id", &["ed"]),
        ("stage in @user.roles || email ^~ 'jo'", &["jo"]),
    ];
    let mut wrong = Vec::new();
    for (filter, expected) in cases {
        let found = matching(&*storage, filter).await;
        if found != expected {
            wrong.push(format!("`{filter}`: expected {expected:?}, found {found:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

async fn search_looks_in_text_fields_only(storage: Arc<dyn Storage>) {
    seeded(&*storage).await;
    let query = ListQuery { search: Some("ANNA".to_owned()), ..ListQuery::default() };
    let found = emails(&storage.list("people", &query).await.unwrap().records);
    assert_eq!(found, ["di", "fay"], "full_name `Di Anna` and bio `Likes ANNA's cooking`");
}

async fn sort_breaks_ties_by_id_and_treats_empty_values_as_smallest(storage: Arc<dyn Storage>) {
    seeded(&*storage).await;
    let sorted = |keys: &[(&str, bool)]| ListQuery {
        sort: keys
            .iter()
            .map(|(field, descending)| SortKey { field: (*field).to_owned(), descending: *descending })
            .collect(),
        ..ListQuery::default()
    };
    let by_age = emails(&storage.list("people", &sorted(&[("age", false)])).await.unwrap().records);
    assert_eq!(
        by_age,
        ["di", "gus", "bob", "ann", "cy", "hal", "jo", "fay", "ed", "ivy"],
        "empty values sort first ascending"
    );
    let by_salary_desc = emails(&storage.list("people", &sorted(&[("salary", true)])).await.unwrap().records);
    assert_eq!(by_salary_desc, ["ivy", "cy", "ann", "hal", "bob", "ed", "gus", "di", "fay", "jo"]);
    let newest = emails(&storage.list("people", &sorted(&[("id", true)])).await.unwrap().records);
    assert_eq!(newest.first().map(String::as_str), Some("jo"));
}

async fn keyset_pages_walk_the_same_rows_as_offset_pages(storage: Arc<dyn Storage>) {
    seeded(&*storage).await;
    for sort in
        [vec![], vec![("age", false)], vec![("salary", true), ("full_name", false)], vec![("born", true)]]
    {
        let keys: Vec<SortKey> = sort
            .iter()
            .map(|(field, descending)| SortKey { field: (*field).to_owned(), descending: *descending })
            .collect();
        let everything = ListQuery {
            sort: keys.clone(),
            page: PageRequest::Offset { page: 1, limit: 100 },
            ..ListQuery::default()
        };
        let expected = emails(&storage.list("people", &everything).await.unwrap().records);
        let mut walked = Vec::new();
        let mut cursor = None;
        loop {
            let query = ListQuery {
                sort: keys.clone(),
                page: PageRequest::After { cursor: cursor.clone(), limit: 3 },
                count_total: false,
                ..ListQuery::default()
            };
            let page = storage.list("people", &query).await.unwrap();
            walked.extend(emails(&page.records));
            assert_eq!(page.has_next, page.next_cursor.is_some());
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
            assert!(walked.len() <= expected.len(), "keyset pages repeat rows for sort {sort:?}");
        }
        assert_eq!(walked, expected, "sort {sort:?}");
        let mut offset_walk = Vec::new();
        for page in 1..=4 {
            let query = ListQuery {
                sort: keys.clone(),
                page: PageRequest::Offset { page, limit: 3 },
                ..ListQuery::default()
            };
            let listed = storage.list("people", &query).await.unwrap();
            assert_eq!(listed.total, Some(10));
            assert_eq!(listed.has_next, page < 4);
            offset_walk.extend(emails(&listed.records));
        }
        assert_eq!(offset_walk, expected, "offset pages, sort {sort:?}");
    }
}

async fn filtered_totals_hold_on_every_page(storage: Arc<dyn Storage>) {
    seeded(&*storage).await;
    let mut seen = Vec::new();
    let mut walked = Vec::new();
    for page in 1..=3 {
        let query = ListQuery::default()
            .filtered(crate::query::parse_filter("age = 30").unwrap())
            .sorted_by(vec![SortKey { field: "salary".to_owned(), descending: true }])
            .paged(PageRequest::Offset { page, limit: 3 });
        let listed = storage.list("people", &query).await.unwrap();
        seen.push((listed.total, listed.records.len(), listed.has_next));
        walked.extend(emails(&listed.records));
    }
    assert_eq!(
        seen,
        [(Some(4), 3, true), (Some(4), 1, false), (Some(4), 0, false)],
        "a page past the end still counts"
    );
    // 100.50 and 100.5 are equal, so the older record (ann) goes first; empty salaries go last.
    assert_eq!(walked, ["cy", "ann", "hal", "jo"], "the pages keep the sort across them");
}

/// Salaries 0.01 apart at 18 digits, walked one per page: a cursor that kept the salary as an
/// f64 (1e16 for all four) would repeat the first.
async fn keyset_pages_keep_every_digit_of_a_decimal_sort_key(storage: Arc<dyn Storage>) {
    let schema = applied(&*storage).await;
    for (name, salary) in
        [("b", "9999999999999999.98"), ("a", "9999999999999999.99"), ("c", "9999999999999999.97")]
    {
        create(
            &*storage,
            &schema,
            "people",
            json!({"email": format!("{name}@example.com"), "salary": salary}),
        )
        .await;
    }
    let mut walked = Vec::new();
    let mut cursor = None;
    for _ in 0..4 {
        let query = ListQuery {
            sort: vec![SortKey { field: "salary".to_owned(), descending: true }],
            page: PageRequest::After { cursor: cursor.clone(), limit: 1 },
            count_total: false,
            ..ListQuery::default()
        };
        let page = storage.list("people", &query).await.unwrap();
        walked.extend(emails(&page.records));
        cursor = page.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(walked, ["a", "b", "c"]);
}

async fn count_none_skips_the_total(storage: Arc<dyn Storage>) {
    seeded(&*storage).await;
    let query = ListQuery {
        count_total: false,
        page: PageRequest::Offset { page: 1, limit: 4 },
        ..ListQuery::default()
    };
    let page = storage.list("people", &query).await.unwrap();
    assert_eq!((page.total, page.records.len(), page.has_next), (None, 4, true));
}

async fn fields_select_what_a_list_returns(storage: Arc<dyn Storage>) {
    let schema = seeded(&*storage).await;
    let query = ListQuery::default()
        .selecting(vec!["email".to_owned(), "company".to_owned()])
        .sorted_by(vec![SortKey { field: "age".to_owned(), descending: true }])
        .expanding(vec!["company".to_owned()])
        .paged(PageRequest::After { cursor: None, limit: 2 });
    let page = storage.list("people", &query).await.unwrap();
    let first = shown(&schema, "people", &page.records[0]);
    let mut keys: Vec<&str> = first.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["company", "created_at", "email", "id", "updated_at"]);
    assert_eq!(first["company"]["name"], "Acme", "ivy (64) works at Acme");
    let next = query.clone().paged(PageRequest::After { cursor: page.next_cursor, limit: 2 });
    assert_eq!(emails(&storage.list("people", &next).await.unwrap().records), ["fay", "ann"]);
    let unknown = ListQuery::default().selecting(vec!["nickname".to_owned()]);
    assert!(matches!(storage.list("people", &unknown).await, Err(StorageError::InvalidQuery { .. })));
}

async fn expand_embeds_related_records(storage: Arc<dyn Storage>) {
    let schema = seeded(&*storage).await;
    let project = create(&*storage, &schema, "projects", json!({"title": "Rocket", "sponsor": 1})).await;
    let mentor = create(
        &*storage,
        &schema,
        "people",
        json!({"email": "boss@example.com", "company": 2, "projects": [project.id]}),
    )
    .await;
    create(&*storage, &schema, "people", json!({"email": "kid@example.com", "mentor": mentor.id})).await;
    let query = ListQuery {
        filter: Some(parse_filter("email ^~ 'kid'").unwrap()),
        expand: vec!["mentor.company".to_owned(), "mentor.projects.sponsor".to_owned(), "company".to_owned()],
        ..ListQuery::default()
    };
    let page = storage.list("people", &query).await.unwrap();
    let kid = shown(&schema, "people", &page.records[0]);
    assert_eq!(kid["mentor"]["email"], "boss@example.com");
    assert_eq!(kid["mentor"]["company"]["name"], "Globex");
    assert_eq!(kid["mentor"]["projects"][0]["title"], "Rocket");
    assert_eq!(kid["mentor"]["projects"][0]["sponsor"]["name"], "Acme");
    assert_eq!(kid["company"], json!(null));
}

async fn invalid_queries_name_the_problem(storage: Arc<dyn Storage>) {
    seeded(&*storage).await;
    let attempts = [
        ListQuery { filter: Some(parse_filter("nickname = 'x'").unwrap()), ..ListQuery::default() },
        ListQuery { filter: Some(parse_filter("age ~ 'x'").unwrap()), ..ListQuery::default() },
        ListQuery { filter: Some(parse_filter("age > 'old'").unwrap()), ..ListQuery::default() },
        ListQuery {
            sort: vec![SortKey { field: "tags".to_owned(), descending: false }],
            ..ListQuery::default()
        },
        ListQuery { expand: vec!["age".to_owned()], ..ListQuery::default() },
        ListQuery { expand: vec!["mentor.mentor.mentor.mentor".to_owned()], ..ListQuery::default() },
        ListQuery {
            page: PageRequest::After { cursor: Some("not-a-cursor".to_owned()), limit: 5 },
            ..ListQuery::default()
        },
        ListQuery { page: PageRequest::Offset { page: 1, limit: 1001 }, ..ListQuery::default() },
    ];
    for query in attempts {
        match storage.list("people", &query).await {
            Err(StorageError::InvalidQuery { table, .. }) => assert_eq!(table, "people"),
            other => panic!("expected InvalidQuery for {query:?}, got {other:?}"),
        }
    }
}
