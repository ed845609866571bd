//! The context of a write: who makes it, for which request, and on which version.

use std::fmt;
use std::str::FromStr;

use super::Caller;

/// Who made a change, as the outbox records it (as text: `anonymous`, `user:5`,
/// `system:<name>`).
///
/// ```
/// use omnera_core::backend::Actor;
///
/// let actor: Actor = "system:welcome email".parse().unwrap();
/// assert_eq!(actor, Actor::System("welcome email".into()));
/// assert_eq!(Actor::User(5).to_string(), "user:5");
/// assert!("somebody".parse::<Actor>().is_err());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Actor {
    /// A caller who is not signed in.
    #[default]
    Anonymous,
    /// A signed-in user, by id.
    User(i64),
    /// The engine or a plugin acting on its own, by the name of what acts (an automation's
    /// name, say).
    System(String),
}

impl From<&Caller> for Actor {
    /// The user a caller is signed in as, the system under its name, or [`Actor::Anonymous`].
    fn from(caller: &Caller) -> Self {
        match (caller.user_id, &caller.system) {
            (Some(id), _) => Self::User(id),
            (None, Some(name)) => Self::System(name.clone()),
            (None, None) => Self::Anonymous,
        }
    }
}

impl fmt::Display for Actor {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Anonymous => formatter.write_str("anonymous"),
            Self::User(id) => write!(formatter, "user:{id}"),
            Self::System(name) => write!(formatter, "system:{name}"),
        }
    }
}

/// Text that names no [`Actor`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not an actor: use anonymous, user:<id> or system:<name>")]
pub struct ActorParseError {
    /// The text given.
    pub text: String,
}

impl FromStr for Actor {
    type Err = ActorParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text == "anonymous" {
            return Ok(Self::Anonymous);
        }
        if let Some(id) = text.strip_prefix("user:").and_then(|id| id.parse().ok()) {
            return Ok(Self::User(id));
        }
        match text.strip_prefix("system:") {
            Some(name) => Ok(Self::System(name.to_owned())),
            None => Err(ActorParseError { text: text.to_owned() }),
        }
    }
}

/// How a write is made: who makes it and for which request (both recorded with its outbox
/// events), and the version the record must still have.
///
/// The default is an anonymous write outside any request, on any version. Like
/// object_store's `PutOptions`, it is built from the default:
///
/// ```
/// use omnera_core::backend::{Actor, WriteOptions};
///
/// let options = WriteOptions::default()
///     .by(Actor::User(5))
///     .for_request("01J9Z3")
///     .if_version(3);
/// assert_eq!(options.actor, Actor::User(5));
/// assert_eq!(options.request_id.as_deref(), Some("01J9Z3"));
/// assert_eq!(options.expected_version, Some(3));
///
/// // An `If-Match` header that may be absent:
/// let header: Option<i64> = None;
/// assert_eq!(WriteOptions::default().if_version(header).expected_version, None);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct WriteOptions {
    /// Who makes the write.
    pub actor: Actor,
    /// The request it serves, when it serves one.
    pub request_id: Option<String>,
    /// The version the record must still have (update, delete, attaching and detaching files);
    /// `None`: any. Creates and batches ignore it (each update of a batch carries its own).
    pub expected_version: Option<i64>,
}

impl WriteOptions {
    /// Made by `actor`.
    #[must_use]
    pub fn by(mut self, actor: Actor) -> Self {
        self.actor = actor;
        self
    }

    /// Serving the request `id`.
    #[must_use]
    pub fn for_request(mut self, id: impl Into<String>) -> Self {
        self.request_id = Some(id.into());
        self
    }

    /// Only if the record still has `version` (`None`: whatever its version).
    #[must_use]
    pub fn if_version(mut self, version: impl Into<Option<i64>>) -> Self {
        self.expected_version = version.into();
        self
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use proptest::prelude::*;

    use super::*;

    fn actors() -> impl Strategy<Value = Actor> {
        prop_oneof![Just(Actor::Anonymous), any::<i64>().prop_map(Actor::User), ".*".prop_map(Actor::System),]
    }

    proptest! {
        #[test]
        fn every_actor_reads_back_from_its_text(actor in actors()) {
            prop_assert_eq!(actor.to_string().parse::<Actor>(), Ok(actor));
        }
    }

    #[test]
    fn text_that_names_no_actor_is_refused() {
        for text in ["", "Anonymous", "user:", "user:five", "admin", "system"] {
            assert!(text.parse::<Actor>().is_err(), "{text}");
        }
        assert_eq!("system:".parse::<Actor>(), Ok(Actor::System(String::new())));
    }

    #[test]
    fn a_caller_acts_as_its_user() {
        let mut caller = Caller::anonymous();
        assert_eq!(Actor::from(&caller), Actor::Anonymous);
        caller.user_id = Some(9);
        assert_eq!(Actor::from(&caller), Actor::User(9));
    }
}
