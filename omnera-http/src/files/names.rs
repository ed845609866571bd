//! File names as clients send them, made safe to keep and to show in `Content-Disposition`.
//!
//! A name is only ever shown (blobs are stored under generated locations), but a name is shown to
//! people and written into headers, so it must not carry a path, control characters or the
//! bidirectional controls that make `invoice<U+202E>fdp.exe` read as `invoiceexe.pdf`.

/// The longest name kept, in bytes of UTF-8 (the common limit of file systems).
pub(crate) const MAX_FILE_NAME_BYTES: usize = 255;

/// The name of a file whose own name is nothing once cleaned.
const FALLBACK_NAME: &str = "file";

/// The longest extension kept whole when a long name is cut (the dot included).
const MAX_KEPT_EXTENSION_BYTES: usize = 16;

/// The name a client gave, made safe: its last path component (after `/` or `\`), without
/// control characters or bidirectional formatting characters, trimmed, at most
/// [`MAX_FILE_NAME_BYTES`] bytes (cut at a character boundary, keeping a short extension), and
/// `file` when nothing is left.
pub(crate) fn sanitized_file_name(given: &str) -> String {
    let last_component = given.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last_component.chars().filter(|c| !is_unsafe_in_a_name(*c)).collect();
    let trimmed = cleaned.trim();
    if trimmed.is_empty() || trimmed == "." || trimmed == ".." {
        return FALLBACK_NAME.to_owned();
    }
    shortened(trimmed)
}

/// Control characters (C0, DEL, C1) and the bidirectional formatting characters: the marks
/// U+200E, U+200F and U+061C, the embeddings and overrides U+202A..U+202E, and the isolates
/// U+2066..U+2069.
fn is_unsafe_in_a_name(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn shortened(name: &str) -> String {
    if name.len() <= MAX_FILE_NAME_BYTES {
        return name.to_owned();
    }
    let extension = match name.rfind('.') {
        Some(dot) if dot > 0 && name.len() - dot <= MAX_KEPT_EXTENSION_BYTES => &name[dot..],
        _ => "",
    };
    let stem = &name[..name.len() - extension.len()];
    let mut end = MAX_FILE_NAME_BYTES - extension.len();
    while !stem.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{extension}", &stem[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_keeps_its_last_path_component_only() {
        assert_eq!(sanitized_file_name("../../etc/passwd"), "passwd");
        assert_eq!(sanitized_file_name(r"C:\Users\ann\report.pdf"), "report.pdf");
        assert_eq!(sanitized_file_name("scans/"), "file");
        assert_eq!(sanitized_file_name(".."), "file");
        assert_eq!(sanitized_file_name(""), "file");
        assert_eq!(sanitized_file_name("Lease 2024 (signed).pdf"), "Lease 2024 (signed).pdf");
        assert_eq!(sanitized_file_name("Übersicht_été.png"), "Übersicht_été.png");
    }

    #[test]
    fn control_and_bidirectional_characters_are_dropped() {
        assert_eq!(sanitized_file_name("invoice\u{202E}fdp.exe"), "invoicefdp.exe");
        assert_eq!(sanitized_file_name("a\u{2066}b\u{2069}\u{200E}\u{200F}\u{061C}.txt"), "ab.txt");
        assert_eq!(sanitized_file_name("evil\r\nSet-Cookie: x=1.png"), "evilSet-Cookie: x=1.png");
        assert_eq!(sanitized_file_name("tab\there\u{0}\u{7F}\u{85}.png"), "tabhere.png");
        assert_eq!(sanitized_file_name("\u{202E}\u{0}"), "file");
    }

    #[test]
    fn a_long_name_is_cut_at_a_character_boundary_keeping_its_extension() {
        let long = format!("{}.pdf", "é".repeat(300));
        let cut = sanitized_file_name(&long);
        assert!(cut.len() <= MAX_FILE_NAME_BYTES, "{} bytes", cut.len());
        assert!(cut.ends_with("é.pdf"), "{cut}");
        assert_eq!(cut.len(), 254, "125 two-byte characters and `.pdf`");
        let no_extension = "x".repeat(400);
        assert_eq!(sanitized_file_name(&no_extension), "x".repeat(255));
        let long_extension = format!("a.{}", "b".repeat(300));
        assert_eq!(sanitized_file_name(&long_extension).len(), 255);
    }
}
