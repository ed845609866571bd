//! Pages: custom HTML, forms, table views and detail views.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::FieldType;

/// A page of the app, chosen by its `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "kebab-case")]
#[schemars(extend("x-omnera-code" = "unknown_page_type"))]
pub enum PageConfig {
    /// A page whose head and body the config writes.
    CustomHtml(CustomHtmlPage),
    /// A form that creates a record, sends an email or starts an automation.
    Form(FormPage),
    /// A list of a table's records.
    TableView(TableViewPage),
    /// One record of a table; its path carries `:id`.
    DetailView(DetailViewPage),
}

impl PageConfig {
    /// The page's name.
    pub fn name(&self) -> &str {
        match self {
            Self::CustomHtml(page) => &page.name,
            Self::Form(page) => &page.name,
            Self::TableView(page) => &page.name,
            Self::DetailView(page) => &page.name,
        }
    }

    /// The page's path, such as `/contacts/:id`.
    pub fn path(&self) -> &str {
        match self {
            Self::CustomHtml(page) => &page.path,
            Self::Form(page) => &page.path,
            Self::TableView(page) => &page.path,
            Self::DetailView(page) => &page.path,
        }
    }
}

/// A page whose head and body the config writes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct CustomHtmlPage {
    /// The page's name, unique and URL-safe.
    pub name: String,
    /// The page's path.
    pub path: String,
    /// Elements of the HTML head.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub head: Vec<HeadElement>,
    /// Elements of the HTML body.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub body: Vec<BodyElement>,
}

/// An element of a custom page's head, chosen by its `tag`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "tag", rename_all = "kebab-case", deny_unknown_fields)]
#[allow(missing_docs)]
pub enum HeadElement {
    /// `<meta name content>`.
    Meta { name: String, content: String },
    /// `<title>`.
    Title { content: String },
    /// `<script>`, from `src` or inline `content`.
    Script {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        src: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        content: Option<String>,
        #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
        script_type: Option<String>,
        #[serde(default, rename = "async", skip_serializing_if = "Option::is_none")]
        is_async: Option<bool>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        defer: Option<bool>,
    },
    /// `<style>`.
    Style {
        content: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        media: Option<String>,
    },
    /// `<link>`.
    Link {
        href: String,
        rel: String,
        #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
        link_type: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        media: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sizes: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        crossorigin: Option<String>,
    },
}

/// An element of a custom page's body, chosen by its `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
pub enum BodyElement {
    /// HTML written as is.
    CustomHtml {
        /// The HTML.
        content: String,
    },
}

/// A form page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct FormPage {
    /// The page's name, unique and URL-safe.
    pub name: String,
    /// The page's path.
    pub path: String,
    /// An optional numeric id of the form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    /// The heading.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Text under the heading.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The inputs, at least one.
    pub inputs: Vec<FormInputConfig>,
    /// What a submission does (default `create-record`).
    #[serde(default)]
    pub action: FormAction,
    /// `create-record`: the table the record goes to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    /// `send-email`: the message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<FormEmailConfig>,
    /// `trigger-automation`: the automation's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub automation: Option<String>,
    /// Shown after a successful submission.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_message: Option<String>,
    /// Where the browser goes after a successful submission: a path or an absolute URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_url: Option<String>,
}

/// What a form submission does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum FormAction {
    /// Creates a record in the form's `table`.
    #[default]
    CreateRecord,
    /// Sends the form's `email`.
    SendEmail,
    /// Starts the form's `automation`.
    TriggerAutomation,
}

/// The email a `send-email` form sends; `subject` and `template` are handlebars over `{{form.*}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct FormEmailConfig {
    /// The recipient, an address or a template.
    pub to: String,
    /// The subject template.
    pub subject: String,
    /// The body template.
    pub template: String,
}

/// An input of a form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct FormInputConfig {
    /// The input's name; for `create-record` forms, a field of the table.
    pub name: String,
    /// The kind of input, a field type that makes sense in a form.
    #[serde(rename = "type")]
    pub input_type: FieldType,
    /// The label shown (default: the name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Help text under the input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Placeholder text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placeholder: Option<String>,
    /// Whether the input must be filled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
    /// The value the input starts with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_value: Option<serde_json::Value>,
    /// Select inputs: the choices (default: the table field's options).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<SelectOptionConfig>>,
    /// `single-attachment`: the accepted types, as in HTML's `accept` attribute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accept: Option<String>,
}

/// A choice of a select input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct SelectOptionConfig {
    /// The text shown.
    pub label: String,
    /// The value submitted.
    pub value: String,
}

/// A page that lists a table's records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct TableViewPage {
    /// The page's name, unique and URL-safe.
    pub name: String,
    /// The page's path.
    pub path: String,
    /// The table listed.
    pub table: String,
    /// The heading (default: the table's name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The fields shown as columns, in order (default: every field).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub columns: Option<Vec<String>>,
    /// Whether a search box is shown (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub searchable: Option<bool>,
    /// Whether columns can be sorted (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sortable: Option<bool>,
    /// Whether rows can be filtered (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filterable: Option<bool>,
    /// Rows per page, 1 to 1000 (default 25).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_size: Option<u64>,
    /// The initial order, in the API's `sort` syntax: `-created_at,name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_sort: Option<String>,
    /// Which record actions the view offers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actions: Option<TableViewActions>,
}

/// The record actions a table view offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct TableViewActions {
    /// A button to create a record (default true).
    #[serde(default = "yes")]
    pub create: bool,
    /// Editing a record (default true).
    #[serde(default = "yes")]
    pub edit: bool,
    /// Deleting a record (default true).
    #[serde(default = "yes")]
    pub delete: bool,
    /// Exporting the rows as CSV (default false).
    #[serde(default)]
    pub export: bool,
}

impl Default for TableViewActions {
    fn default() -> Self {
        Self { create: true, edit: true, delete: true, export: false }
    }
}

fn yes() -> bool {
    true
}

/// A page that shows one record; its path carries `:id`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct DetailViewPage {
    /// The page's name, unique and URL-safe.
    pub name: String,
    /// The page's path, with `:id`.
    pub path: String,
    /// The table the record belongs to.
    pub table: String,
    /// The heading (default: the record's display field).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// How sections are laid out (default `single-column`).
    #[serde(default)]
    pub layout: DetailLayout,
    /// Groups of fields (default: one section with every field).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sections: Vec<SectionConfig>,
}

/// How a detail view lays out its sections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[allow(missing_docs)]
pub enum DetailLayout {
    #[default]
    SingleColumn,
    TwoColumn,
    Tabs,
    Accordion,
}

/// A group of fields on a detail view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct SectionConfig {
    /// The section's heading.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The fields shown, in order.
    pub fields: Vec<String>,
}
