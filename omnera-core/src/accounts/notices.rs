//! Emails that tell the owner of an address what was tried with it, where the API's answer must
//! not tell the one who tried (OWASP: the same answer whether or not an account exists).

use super::service::Accounts;
use crate::backend::Email;

/// Tells the owner of `email` that someone tried to sign up with it, and what to do if it was
/// them; a failure to send is logged, since the answer to the sign-up cannot say anything.
pub(super) async fn tell_of_sign_up_with_taken_address(accounts: &Accounts, email: &str) {
    let Some(mailer) = accounts.app.auth_mailer() else { return };
    let app = accounts.app.schema().name();
    let text = format!(
        "Hello,\n\nSomeone asked to sign up for {app} with this address, which already has an \
         account. If it was you, sign in; if you forgot your password, ask for a new one \
         (POST /api/auth/password/forgot).\n\nIf it was not you, ignore this email: nothing \
         was changed.\n"
    );
    let notice = Email::new(email.to_owned(), format!("Signing up for {app}"), text);
    if let Err(error) = mailer.send(&notice).await {
        tracing::warn!(%error, "the email about a sign-up with a taken address was not sent");
    }
}
