//! "Did you mean" suggestions for misspelled names.

/// The candidate closest to `wrong`, if one is close enough to be a likely typo.
pub(crate) fn closest<'a>(wrong: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let wrong_lower = wrong.to_lowercase();
    candidates
        .into_iter()
        .map(|candidate| (candidate, strsim::jaro_winkler(&wrong_lower, &candidate.to_lowercase())))
        .filter(|(candidate, score)| *score >= 0.85 || is_within_edits(&wrong_lower, candidate))
        .max_by(|(_, a), (_, b)| a.total_cmp(b))
        .map(|(candidate, _)| candidate)
}

/// ` (did you mean `x`?)` or nothing: ready to append to a message.
pub(crate) fn did_you_mean<'a>(wrong: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    closest(wrong, candidates).map_or_else(String::new, |name| format!("; did you mean `{name}`?"))
}

fn is_within_edits(wrong: &str, candidate: &str) -> bool {
    let allowed = if candidate.len() <= 4 { 1 } else { 2 };
    strsim::damerau_levenshtein(wrong, &candidate.to_lowercase()) <= allowed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_a_close_name_and_nothing_for_a_distant_one() {
        let keys = ["relatedTable", "relationType", "required"];
        assert_eq!(closest("relatedTabel", keys), Some("relatedTable"));
        assert_eq!(closest("requierd", keys), Some("required"));
        assert_eq!(closest("colour", keys), None);
        assert_eq!(did_you_mean("emial", ["email", "url"]), "; did you mean `email`?");
    }
}
