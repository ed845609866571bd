//! Pages: names, paths, and what each page type refers to.

use super::context::CheckContext;
use super::names::{UniqueIn, check_identifier, check_slug, is_system_field};
use super::templates::{TemplateScope, check_template};
use super::{ConfigPath, IssueCode};
use crate::config::{
    CustomHtmlPage, DetailViewPage, FieldType, FormAction, FormPage, HeadElement, PageConfig, TableConfig,
    TableViewPage,
};

/// Path prefixes the engine serves itself.
const RESERVED_PREFIXES: [&str; 3] = ["/api", "/health", "/webhooks"];

/// The largest `pageSize` of a table view, the API's largest `limit`.
const MAX_PAGE_SIZE: u64 = 1000;

pub(crate) fn check_pages(cx: &mut CheckContext<'_>) {
    let config = cx.config;
    let mut names = UniqueIn::new(IssueCode::DuplicateName, "page name");
    let mut paths = UniqueIn::new(IssueCode::DuplicatePath, "page path");
    for (index, page) in config.pages.iter().enumerate() {
        let path = if page.name().is_empty() {
            ConfigPath::root().key("pages").index(index)
        } else {
            ConfigPath::root().key("pages").item(page.name())
        };
        check_slug(page.name(), "page", &path.key("name"), cx);
        names.check(&page.name().to_owned(), &path.key("name"), cx);
        check_page_path(page.path(), &path.key("path"), cx);
        paths.check(&route_shape(page.path()), &path.key("path"), cx);
        match page {
            PageConfig::CustomHtml(page) => check_custom_html(page, &path, cx),
            PageConfig::Form(page) => check_form(page, &path, cx),
            PageConfig::TableView(page) => check_table_view(page, &path, cx),
            PageConfig::DetailView(page) => check_detail_view(page, &path, cx),
        }
    }
}

/// The path with parameter names blanked, so `/a/:id` and `/a/:key` count as the same route.
fn route_shape(path: &str) -> String {
    path.split('/')
        .map(|segment| if segment.starts_with(':') { ":" } else { segment })
        .collect::<Vec<_>>()
        .join("/")
}

fn check_page_path(page_path: &str, path: &ConfigPath, cx: &mut CheckContext<'_>) {
    let rule = "paths start with / and use lowercase letters, digits, - and /, with parameters written :name";
    let Some(rest) = page_path.strip_prefix('/') else {
        cx.report(
            path.clone(),
            IssueCode::InvalidPath,
            format!("`{page_path}` does not start with /; {rule}"),
        );
        return;
    };
    let segments: Vec<&str> = if rest.is_empty() { Vec::new() } else { rest.split('/').collect() };
    let segment_ok = |segment: &&str| match segment.strip_prefix(':') {
        Some(parameter) => {
            parameter.chars().next().is_some_and(|first| first.is_ascii_lowercase() || first == '_')
                && parameter.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        }
        None => {
            !segment.is_empty()
                && segment.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        }
    };
    if !segments.iter().all(segment_ok) {
        cx.report(
            path.clone(),
            IssueCode::InvalidPath,
            format!("`{page_path}` is not a valid page path: {rule}"),
        );
    } else if RESERVED_PREFIXES
        .iter()
        .any(|prefix| page_path == *prefix || page_path.starts_with(&format!("{prefix}/")))
    {
        let message = format!(
            "`{page_path}` collides with the engine's own routes under {}",
            RESERVED_PREFIXES.join(", ")
        );
        cx.report(path.clone(), IssueCode::ReservedPath, message);
    }
}

fn check_custom_html(page: &CustomHtmlPage, path: &ConfigPath, cx: &mut CheckContext<'_>) {
    for (index, element) in page.head.iter().enumerate() {
        if let HeadElement::Script { src: None, content: None, .. } = element {
            let message = "a script needs `src` or `content`".to_owned();
            cx.report(path.key("head").index(index), IssueCode::MissingOption, message);
        }
    }
}

fn check_form(page: &FormPage, path: &ConfigPath, cx: &mut CheckContext<'_>) {
    if page.inputs.is_empty() {
        cx.report(path.key("inputs"), IssueCode::TooFewItems, "a form needs at least one input".to_owned());
    }
    let mut names = UniqueIn::new(IssueCode::DuplicateName, "input name");
    for (index, input) in page.inputs.iter().enumerate() {
        let input_path = if input.name.is_empty() {
            path.key("inputs").index(index)
        } else {
            path.key("inputs").item(&input.name)
        };
        check_identifier(&input.name, "input", &input_path.key("name"), cx);
        names.check(&input.name, &input_path.key("name"), cx);
        if matches!(input.input_type, FieldType::Relationship | FieldType::MultipleAttachments) {
            let message = format!("{} inputs are not available in forms", input.input_type);
            cx.report(input_path.key("type"), IssueCode::WrongKind, message);
        }
        let is_select = matches!(input.input_type, FieldType::SingleSelect | FieldType::MultiSelect);
        if input.options.is_some() && !is_select {
            cx.report(
                input_path.key("options"),
                IssueCode::OptionNotAllowed,
                "`options` applies to select inputs only".to_owned(),
            );
        }
        if input.accept.is_some() && input.input_type != FieldType::SingleAttachment {
            let message = "`accept` applies to single-attachment inputs only".to_owned();
            cx.report(input_path.key("accept"), IssueCode::OptionNotAllowed, message);
        }
        if is_select && input.options.is_none() && page.action != FormAction::CreateRecord {
            let message = "select inputs need `options` unless they fill a table's field".to_owned();
            cx.report(input_path.key("options"), IssueCode::MissingOption, message);
        }
    }
    let sibling_keys = [
        ("table", page.table.is_some(), FormAction::CreateRecord),
        ("email", page.email.is_some(), FormAction::SendEmail),
        ("automation", page.automation.is_some(), FormAction::TriggerAutomation),
    ];
    for (key, present, action) in sibling_keys {
        if present && page.action != action {
            let message = format!("`{key}` belongs to {} forms", action_name(action));
            cx.report(path.key(key), IssueCode::OptionNotAllowed, message);
        } else if !present && page.action == action {
            let message = format!("{} forms need `{key}`", action_name(action));
            cx.report(path.key(key), IssueCode::MissingOption, message);
        }
    }
    match page.action {
        FormAction::CreateRecord => {
            if let Some(table) =
                page.table.as_deref().and_then(|table| cx.require_table(table, &path.key("table")))
            {
                check_record_form(page, table, path, cx);
            }
        }
        FormAction::SendEmail => {
            if let Some(email) = &page.email {
                let scope = TemplateScope {
                    form_inputs: Some(page.inputs.iter().map(|input| input.name.clone()).collect()),
                    form_at_root: true,
                    ..TemplateScope::default()
                };
                let email_path = path.key("email");
                check_template(&email.to, &email_path.key("to"), &scope, cx);
                check_template(&email.subject, &email_path.key("subject"), &scope, cx);
                check_template(&email.template, &email_path.key("template"), &scope, cx);
            }
        }
        FormAction::TriggerAutomation => {
            if let Some(automation) = &page.automation {
                cx.require_automation_declared(automation, &path.key("automation"));
            }
        }
    }
    if let Some(redirect) = &page.redirect_url {
        let absolute = url::Url::parse(redirect).is_ok_and(|url| matches!(url.scheme(), "http" | "https"));
        if !absolute && !redirect.starts_with('/') {
            let message =
                format!("`{redirect}` is neither a path starting with / nor an absolute http(s) URL");
            cx.report(path.key("redirectUrl"), IssueCode::InvalidUrl, message);
        }
    }
}

fn action_name(action: FormAction) -> &'static str {
    match action {
        FormAction::CreateRecord => "create-record",
        FormAction::SendEmail => "send-email",
        FormAction::TriggerAutomation => "trigger-automation",
    }
}

/// A record-creating form: inputs are fields of the table, of a fitting kind, and every
/// required field without a default has an input.
fn check_record_form<'c>(
    page: &FormPage,
    table: &'c TableConfig,
    path: &ConfigPath,
    cx: &mut CheckContext<'c>,
) {
    for (index, input) in page.inputs.iter().enumerate() {
        let input_path = if input.name.is_empty() {
            path.key("inputs").index(index)
        } else {
            path.key("inputs").item(&input.name)
        };
        let Some(field) = cx.require_field(table, &input.name, &input_path.key("name")) else { continue };
        if input_family(input.input_type) != input_family(field.field_type) {
            let message = format!(
                "a {} input cannot fill the {} field `{}`",
                input.input_type, field.field_type, field.name
            );
            cx.report(input_path.key("type"), IssueCode::InputMismatch, message);
        }
    }
    for field in table.fields.iter().filter(|field| field.required && field.default.is_none()) {
        if field.field_type != FieldType::Checkbox
            && !page.inputs.iter().any(|input| input.name == field.name)
        {
            let message = format!(
                "required field `{}` of table `{}` has no input, so no submission can succeed",
                field.name, table.name
            );
            cx.report(path.key("inputs"), IssueCode::MissingRequiredInput, message);
        }
    }
}

/// Input types that can fill each other's fields.
fn input_family(field_type: FieldType) -> u8 {
    match field_type {
        FieldType::SingleLineText
        | FieldType::LongText
        | FieldType::Email
        | FieldType::Url
        | FieldType::PhoneNumber => 0,
        FieldType::Integer | FieldType::Decimal | FieldType::Currency | FieldType::Percentage => 1,
        FieldType::Date => 2,
        FieldType::Datetime => 3,
        FieldType::Time => 4,
        FieldType::Checkbox => 5,
        FieldType::SingleSelect => 6,
        FieldType::MultiSelect => 7,
        FieldType::Relationship => 8,
        FieldType::SingleAttachment | FieldType::MultipleAttachments => 9,
    }
}

fn check_table_view(page: &TableViewPage, path: &ConfigPath, cx: &mut CheckContext<'_>) {
    let Some(table) = cx.require_table(&page.table, &path.key("table")) else { return };
    let mut listed = UniqueIn::new(IssueCode::DuplicateValue, "column");
    for (index, column) in page.columns.iter().flatten().enumerate() {
        let column_path = path.key("columns").index(index);
        listed.check(column, &column_path, cx);
        if !is_system_field(column) {
            cx.require_field(table, column, &column_path);
        }
    }
    match page.page_size {
        Some(size) if size == 0 || size > MAX_PAGE_SIZE => {
            let message = format!("pageSize {size} is out of range 1..={MAX_PAGE_SIZE}");
            cx.report(path.key("pageSize"), IssueCode::OutOfRange, message);
        }
        _ => {}
    }
    for key in page.default_sort.iter().flat_map(|sort| sort.split(',')) {
        let field = key.trim().trim_start_matches('-');
        if field.is_empty() {
            let message =
                "defaultSort is a comma list of fields, `-` for descending: `-created_at,name`".to_owned();
            cx.report(path.key("defaultSort"), IssueCode::InvalidValue, message);
        } else if !is_system_field(field) {
            cx.require_field(table, field, &path.key("defaultSort"));
        }
    }
}

fn check_detail_view(page: &DetailViewPage, path: &ConfigPath, cx: &mut CheckContext<'_>) {
    if !page.path.split('/').any(|segment| segment == ":id") {
        let message =
            format!("a detail view's path carries the record id as `:id`, such as /{}/:id", page.table);
        cx.report(path.key("path"), IssueCode::InvalidPath, message);
    }
    let Some(table) = cx.require_table(&page.table, &path.key("table")) else { return };
    for (section_index, section) in page.sections.iter().enumerate() {
        let section_path = path.key("sections").index(section_index);
        if section.fields.is_empty() {
            cx.report(
                section_path.key("fields"),
                IssueCode::TooFewItems,
                "a section needs at least one field".to_owned(),
            );
        }
        for (index, field) in section.fields.iter().enumerate() {
            if !is_system_field(field) {
                cx.require_field(table, field, &section_path.key("fields").index(index));
            }
        }
    }
}
