//! What the validator reports: one [`ConfigIssue`] per problem, gathered in [`ConfigErrors`].

use std::fmt;

use serde::Serialize;

/// Where in the document a problem is, such as `tables[contacts].fields[email].type`.
///
/// Array items are named by their `name` where they have one, by their index otherwise.
///
/// ```
/// use omnera_core::validate::ConfigPath;
///
/// let path = ConfigPath::root().key("tables").item("contacts").key("fields").index(0);
/// assert_eq!(path.to_string(), "tables[contacts].fields[0]");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize)]
#[serde(transparent)]
pub struct ConfigPath(String);

impl ConfigPath {
    /// The document itself.
    pub fn root() -> Self {
        Self(String::new())
    }

    /// The value under `key` of this object.
    #[must_use]
    pub fn key(&self, key: &str) -> Self {
        if self.0.is_empty() { Self(key.to_owned()) } else { Self(format!("{}.{key}", self.0)) }
    }

    /// The item named `name` of this array.
    #[must_use]
    pub fn item(&self, name: &str) -> Self {
        Self(format!("{}[{name}]", self.0))
    }

    /// The item at `index` of this array.
    #[must_use]
    pub fn index(&self, index: usize) -> Self {
        Self(format!("{}[{index}]", self.0))
    }

    /// Whether `other` is this path or lies inside it.
    pub fn contains(&self, other: &ConfigPath) -> bool {
        self.0.is_empty()
            || other.0 == self.0
            || other
                .0
                .strip_prefix(&self.0)
                .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
    }

    /// The path as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ConfigPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() { f.write_str("(root)") } else { f.write_str(&self.0) }
    }
}

/// Declares [`IssueCode`] and its names in one table, so a code and its text never drift apart.
macro_rules! issue_codes {
    ($($(#[doc = $doc:literal])* $variant:ident => $name:literal,)*) => {
        /// The stable code of a config problem. Codes never change meaning; new ones may be added.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum IssueCode {
            $($(#[doc = $doc])* $variant,)*
        }

        impl IssueCode {
            /// The code as written in reports, such as `unknown_field_type`.
            ///
            /// ```
            /// use omnera_core::validate::IssueCode;
            /// assert_eq!(IssueCode::UnknownFieldType.as_str(), "unknown_field_type");
            /// ```
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $name,)*
                }
            }
        }
    };
}

issue_codes! {
    /// The document is not valid JSON, YAML or TOML.
    InvalidSyntax => "invalid_syntax",
    /// The file could not be read, or its format is unknown.
    UnreadableFile => "unreadable_file",
    /// A key that the format does not have.
    UnknownKey => "unknown_key",
    /// A required key is absent.
    MissingKey => "missing_key",
    /// A value of the wrong JSON type.
    WrongType => "wrong_type",
    /// A value that is not one of the allowed ones.
    InvalidValue => "invalid_value",
    /// A field `type` that does not exist.
    UnknownFieldType => "unknown_field_type",
    /// A page `type` that does not exist.
    UnknownPageType => "unknown_page_type",
    /// A trigger `type` that does not exist.
    UnknownTriggerType => "unknown_trigger_type",
    /// An action `type` that does not exist.
    UnknownActionType => "unknown_action_type",
    /// A connection `type` that does not exist.
    UnknownConnectionType => "unknown_connection_type",
    /// A credential written in clear text instead of an `env` or `secret` reference.
    ClearTextSecret => "clear_text_secret",
    /// A name that does not follow the naming rules.
    InvalidName => "invalid_name",
    /// A name the engine keeps for itself.
    ReservedName => "reserved_name",
    /// A text that is empty or too long.
    InvalidLength => "invalid_length",
    /// An id outside 1..2^53-1.
    InvalidId => "invalid_id",
    /// Two things of one kind share an id.
    DuplicateId => "duplicate_id",
    /// Two things of one kind share a name.
    DuplicateName => "duplicate_name",
    /// Two pages share a path.
    DuplicatePath => "duplicate_path",
    /// A list holds the same value twice.
    DuplicateValue => "duplicate_value",
    /// A table that does not exist.
    UnknownTable => "unknown_table",
    /// A field that does not exist.
    UnknownField => "unknown_field",
    /// A page that does not exist.
    UnknownPage => "unknown_page",
    /// An automation that does not exist.
    UnknownAutomation => "unknown_automation",
    /// A connection that does not exist.
    UnknownConnection => "unknown_connection",
    /// A role that is neither declared nor built in.
    UnknownRole => "unknown_role",
    /// A connection of a type that cannot serve here.
    WrongConnectionType => "wrong_connection_type",
    /// A reference to something of the wrong kind (a page of the wrong type, a field of the wrong type).
    WrongKind => "wrong_kind",
    /// An option that does not apply to this field type or page.
    OptionNotAllowed => "option_not_allowed",
    /// An option that this field type, action or page needs.
    MissingOption => "missing_option",
    /// A `default` that does not fit its field.
    InvalidDefault => "invalid_default",
    /// A number outside its allowed range.
    OutOfRange => "out_of_range",
    /// `min` is greater than `max`.
    MinGreaterThanMax => "min_greater_than_max",
    /// A list with fewer items than it needs.
    TooFewItems => "too_few_items",
    /// A `version` or `schemaVersion` that is not valid.
    InvalidVersion => "invalid_version",
    /// A `schemaVersion` newer than this engine knows.
    UnsupportedSchemaVersion => "unsupported_schema_version",
    /// A cron expression that does not parse.
    InvalidCron => "invalid_cron",
    /// A time zone that is not an IANA name.
    InvalidTimezone => "invalid_timezone",
    /// A currency that is not an ISO 4217 code.
    InvalidCurrency => "invalid_currency",
    /// A duration that does not parse, such as `5 parsecs`.
    InvalidDuration => "invalid_duration",
    /// A MIME type or pattern that does not parse.
    InvalidMimeType => "invalid_mime_type",
    /// A page path that breaks the path rules.
    InvalidPath => "invalid_path",
    /// A page path that collides with the engine's own routes.
    ReservedPath => "reserved_path",
    /// A URL that does not parse or is not allowed here.
    InvalidUrl => "invalid_url",
    /// An email address that does not parse.
    InvalidEmail => "invalid_email",
    /// A handlebars template that does not parse.
    InvalidTemplate => "invalid_template",
    /// A template variable that names an unknown step, namespace or field.
    UnknownTemplateVariable => "unknown_template_variable",
    /// A filter expression that does not parse or names unknown fields.
    InvalidFilter => "invalid_filter",
    /// A form input that does not fit the table's field.
    InputMismatch => "input_mismatch",
    /// A required field that a record-creating form does not fill.
    MissingRequiredInput => "missing_required_input",
}

impl Serialize for IssueCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl fmt::Display for IssueCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem of a config: where, a stable code, and a message for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfigIssue {
    /// Where the problem is.
    pub path: ConfigPath,
    /// What kind of problem it is.
    pub code: IssueCode,
    /// What is wrong, for people.
    pub message: String,
}

impl fmt::Display for ConfigIssue {
    /// `<path>: <message> [<code>]` on one line: a line break the user wrote in a name or a value
    /// is shown escaped (`\n`), so that a report has exactly one line per problem.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_on_one_line(f, &self.path.to_string())?;
        f.write_str(": ")?;
        write_on_one_line(f, &self.message)?;
        write!(f, " [{}]", self.code)
    }
}

fn write_on_one_line(f: &mut fmt::Formatter<'_>, text: &str) -> fmt::Result {
    for c in text.chars() {
        match c {
            '\n' => f.write_str("\\n")?,
            '\r' => f.write_str("\\r")?,
            '\u{0b}' | '\u{0c}' | '\u{85}' | '\u{2028}' | '\u{2029}' => write!(f, "{}", c.escape_unicode())?,
            c => fmt::Write::write_char(f, c)?,
        }
    }
    Ok(())
}

/// Every problem found in a config, in document order. Never empty.
///
/// Its `Display` renders one problem per line as `<path>: <message> [<code>]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(transparent)]
pub struct ConfigErrors {
    issues: Vec<ConfigIssue>,
}

impl ConfigErrors {
    pub(crate) fn new(issues: Vec<ConfigIssue>) -> Self {
        Self { issues }
    }

    /// One problem at the root, such as a syntax error.
    pub(crate) fn single(code: IssueCode, message: impl Into<String>) -> Self {
        Self::new(vec![ConfigIssue { path: ConfigPath::root(), code, message: message.into() }])
    }

    /// The problems.
    pub fn issues(&self) -> &[ConfigIssue] {
        &self.issues
    }

    /// How many problems there are.
    pub fn len(&self) -> usize {
        self.issues.len()
    }

    /// Always false: there is at least one problem.
    pub fn is_empty(&self) -> bool {
        self.issues.is_empty()
    }
}

impl IntoIterator for ConfigErrors {
    type Item = ConfigIssue;
    type IntoIter = std::vec::IntoIter<ConfigIssue>;

    fn into_iter(self) -> Self::IntoIter {
        self.issues.into_iter()
    }
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (position, issue) in self.issues.iter().enumerate() {
            if position > 0 {
                writeln!(f)?;
            }
            write!(f, "{issue}")?;
        }
        Ok(())
    }
}
