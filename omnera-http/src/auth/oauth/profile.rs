//! What a provider says of an account, read from OpenID Connect's `userinfo` or from GitHub's
//! user and emails API.

use omnera_core::accounts::ExternalProfile;
use serde_json::Value;

fn text(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(Value::as_str).map(str::trim).filter(|text| !text.is_empty()).map(str::to_owned)
}

/// A profile from an OpenID Connect `userinfo` answer. `email_verified` is true only when the
/// provider says so (some send it as the string `"true"`).
pub(super) fn open_id_profile(userinfo: &Value) -> Option<ExternalProfile> {
    let verified = match userinfo.get("email_verified") {
        Some(Value::Bool(verified)) => *verified,
        Some(Value::String(verified)) => verified == "true",
        _ => false,
    };
    let name = text(userinfo, "name").or_else(|| text(userinfo, "preferred_username"));
    Some(ExternalProfile::new(text(userinfo, "sub")?, text(userinfo, "email"), verified, name))
}

/// A profile from GitHub's `/user` and `/user/emails`: the primary address if it is verified,
/// else any verified one.
pub(super) fn github_profile(user: &Value, emails: &Value) -> Option<ExternalProfile> {
    let subject = user.get("id").and_then(Value::as_i64)?.to_string();
    let verified: Vec<&Value> = emails
        .as_array()
        .into_iter()
        .flatten()
        .filter(|email| email.get("verified").and_then(Value::as_bool) == Some(true))
        .collect();
    let chosen = verified
        .iter()
        .find(|email| email.get("primary").and_then(Value::as_bool) == Some(true))
        .or_else(|| verified.first())
        .and_then(|email| text(email, "email"));
    let verified = chosen.is_some();
    let name = text(user, "name").or_else(|| text(user, "login"));
    Some(ExternalProfile::new(subject, chosen.or_else(|| text(user, "email")), verified, name))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn an_open_id_profile_is_verified_only_when_the_provider_says_so() {
        let profile = open_id_profile(&json!({"sub": "248289761001", "email": "ann@example.com",
            "email_verified": true, "name": "Ann"}))
        .unwrap();
        assert_eq!(profile.subject, "248289761001");
        assert!(profile.email_verified);
        assert_eq!(profile.name.as_deref(), Some("Ann"));

        let quoted =
            open_id_profile(&json!({"sub": "1", "email": "a@x.com", "email_verified": "true"})).unwrap();
        assert!(quoted.email_verified);
        let silent =
            open_id_profile(&json!({"sub": "1", "email": "a@x.com", "preferred_username": "ann"})).unwrap();
        assert!(!silent.email_verified);
        assert_eq!(silent.name.as_deref(), Some("ann"));
        assert_eq!(open_id_profile(&json!({"email": "a@x.com"})), None, "no subject, no account");
    }

    #[test]
    fn a_github_profile_takes_the_primary_verified_address() {
        let user = json!({"id": 583231, "login": "octocat", "name": null, "email": "public@example.com"});
        let emails = json!([
            {"email": "old@example.com", "primary": false, "verified": true},
            {"email": "main@example.com", "primary": true, "verified": true},
            {"email": "new@example.com", "primary": false, "verified": false}
        ]);
        let profile = github_profile(&user, &emails).unwrap();
        assert_eq!(profile.subject, "583231");
        assert_eq!(profile.email.as_deref(), Some("main@example.com"));
        assert!(profile.email_verified);
        assert_eq!(profile.name.as_deref(), Some("octocat"));

        let unverified = json!([{"email": "main@example.com", "primary": true, "verified": false}]);
        let profile = github_profile(&user, &unverified).unwrap();
        assert_eq!(profile.email.as_deref(), Some("public@example.com"));
        assert!(!profile.email_verified, "an unverified address is never vouched for");
    }
}
