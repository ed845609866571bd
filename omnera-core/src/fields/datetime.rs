//! `datetime`: RFC 3339 with any offset, stored in UTC; values without an offset are read in the
//! field's time zone.

use chrono::{DateTime, NaiveDateTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use serde_json::Value;

use super::FieldKind;
use crate::config::FieldConfig;
use crate::validate::context::CheckContext;
use crate::validate::suggest::did_you_mean;
use crate::validate::{ConfigPath, IssueCode};
use crate::{FieldValue, ValueProblem};

pub(super) fn options(field: &FieldConfig, path: &ConfigPath, cx: &mut CheckContext<'_>) -> FieldKind {
    let timezone = match field.timezone.as_deref() {
        None => Tz::UTC,
        Some(name) => parse_timezone(name, &path.key("timezone"), cx).unwrap_or(Tz::UTC),
    };
    FieldKind::DateTime { format: field.format.clone(), timezone }
}

/// An IANA time zone, reporting a name that is not one.
pub(crate) fn parse_timezone(name: &str, path: &ConfigPath, cx: &mut CheckContext<'_>) -> Option<Tz> {
    match name.parse::<Tz>() {
        Ok(zone) => Some(zone),
        Err(_) => {
            let known = chrono_tz::TZ_VARIANTS.iter().map(|zone| zone.name());
            let message = format!(
                "`{name}` is not an IANA time zone such as Europe/Paris{}",
                did_you_mean(name, known)
            );
            cx.report(path.clone(), IssueCode::InvalidTimezone, message);
            None
        }
    }
}

pub(super) fn normalize(zone: Tz, value: &Value) -> Result<FieldValue, ValueProblem> {
    let Some(text) = value.as_str() else {
        return Err(ValueProblem::wrong_type("a date and time (RFC 3339)", value));
    };
    // A leap second (`:60`) is refused, as for `time`: the databases would not agree on it.
    if let Ok(moment) = DateTime::parse_from_rfc3339(text)
        && !super::time::is_leap_second(moment.nanosecond())
    {
        return Ok(FieldValue::DateTime(moment.with_timezone(&Utc)));
    }
    let local = ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .filter(|local| !super::time::is_leap_second(local.nanosecond()));
    match local.and_then(|local| zone.from_local_datetime(&local).earliest()) {
        Some(moment) => Ok(FieldValue::DateTime(moment.with_timezone(&Utc))),
        None => Err(ValueProblem::new(
            "invalid_datetime",
            format!("`{text}` is not a date and time such as 2024-05-01T13:00:00Z"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_utc_and_reads_values_without_offset_in_the_field_zone() {
        let paris: Tz = "Europe/Paris".parse().unwrap();
        let utc = |text: &str| normalize(paris, &Value::from(text)).map(|value| value.to_json());
        assert_eq!(utc("2024-05-01T15:00:00+02:00"), Ok(Value::from("2024-05-01T13:00:00.000Z")));
        assert_eq!(utc("2024-05-01T15:00:00"), Ok(Value::from("2024-05-01T13:00:00.000Z")));
        assert_eq!(utc("2024-05-01T13:00:00.123Z"), Ok(Value::from("2024-05-01T13:00:00.123Z")));
        assert!(utc("May 1st").is_err());
        assert!(utc("2016-12-31T23:59:60Z").is_err(), "no leap seconds");
        assert!(utc("2016-12-31T23:59:60").is_err());
    }
}
