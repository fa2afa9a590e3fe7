//! Keeping UserSigs out of every message: the one redaction that error messages, request
//! ids, body excerpts, log lines and transports' error texts all go through.
//!
//! A UserSig travels in the request's query (`usersig=…`), and a server, proxy or
//! custom transport may echo it back in many shapes. After the word `usersig` (any case)
//! and a separator that contains `=` or `:` (possibly percent-encoded as `%3D`/`%3A`,
//! with quotes, backslashes, percent-encoded quotes and spaces around it), the value that
//! follows is replaced by `<redacted>`. That covers:
//!
//! | form | example |
//! |---|---|
//! | query | `?sdkappid=1&usersig=eJw…&random=7` |
//! | percent-encoded query (e.g. inside another URL) | `usersig%3DeJw…%26random%3D7` |
//! | JSON | `"usersig":"eJw…"`, `"UserSig" : "eJw…"`, escaped `\"usersig\":\"eJw…\"` |
//! | text, header-like | `usersig: eJw…` |
//!
//! A value is the run of characters a UserSig (or its percent-encoding) is made of:
//! letters, digits and `* - _ + / = % . ~`. Prose such as "UserSig expired" has no `=`
//! or `:` after the word and is left as it is.

use alloc::borrow::Cow;
use alloc::string::String;

/// What a redacted value is replaced with.
pub const REDACTED: &str = "<redacted>";

const KEY: &[u8] = b"usersig";
/// Longest separator considered between the key and its value.
const MAX_SEPARATOR: usize = 16;

/// `text` with the value after every `usersig` (in any of the [forms](self) above)
/// replaced by `<redacted>`; borrowed when there was nothing to redact.
///
/// ```
/// use callkit_core::redact::redact_usersig;
/// assert_eq!(redact_usersig("GET /v4/x?usersig=eJw1*a-b_&random=7"), "GET /v4/x?usersig=<redacted>&random=7");
/// assert_eq!(redact_usersig(r#"{"UserSig" : "eJw1"}"#), r#"{"UserSig" : "<redacted>"}"#);
/// assert_eq!(redact_usersig("url=https%3A%2F%2Fh%2Fp%3Fusersig%3DeJw1%26a%3D1"), "url=https%3A%2F%2Fh%2Fp%3Fusersig%3D<redacted>");
/// assert_eq!(redact_usersig("USERSIG: eJw1 more"), "USERSIG: <redacted> more");
/// assert_eq!(redact_usersig("UserSig expired"), "UserSig expired");
/// ```
pub fn redact_usersig(text: &str) -> Cow<'_, str> {
    let mut out: Option<String> = None;
    // Byte offsets into `text`: everything before `copied` is already in `out`.
    let mut copied = 0;
    let mut from = 0;
    let bytes = text.as_bytes();
    while let Some(found) = find_key(bytes, from) {
        let after_key = found + KEY.len();
        let Some(value_start) = separator_end(bytes, after_key) else {
            from = after_key;
            continue;
        };
        let value_end = value_start
            + bytes[value_start..]
                .iter()
                .take_while(|&&b| is_value_byte(b))
                .count();
        if value_end > value_start {
            let out = out.get_or_insert_with(|| String::with_capacity(text.len()));
            // Both ends sit on ASCII bytes, so on character boundaries.
            out.push_str(text.get(copied..value_start).unwrap_or_default());
            out.push_str(REDACTED);
            copied = value_end;
        }
        from = value_end.max(after_key);
    }
    match out {
        None => Cow::Borrowed(text),
        Some(mut out) => {
            out.push_str(text.get(copied..).unwrap_or_default());
            Cow::Owned(out)
        }
    }
}

/// [`redact_usersig`] in place.
pub fn redact_usersig_in_place(text: &mut String) {
    if let Cow::Owned(redacted) = redact_usersig(text) {
        *text = redacted;
    }
}

fn find_key(haystack: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(KEY.len())
        .position(|w| w.eq_ignore_ascii_case(KEY))
        .map(|at| from + at)
}

/// Where the value starts after the separator that begins at `at`, if that separator
/// holds an `=` or `:` (plain or percent-encoded).
fn separator_end(bytes: &[u8], at: usize) -> Option<usize> {
    let mut i = at;
    let mut assigns = false;
    while i < bytes.len() && i - at <= MAX_SEPARATOR {
        match bytes[i] {
            b'=' | b':' => {
                assigns = true;
                i += 1;
            }
            b'"' | b'\'' | b'\\' | b' ' | b'\t' => i += 1,
            b'%' => match bytes.get(i + 1..i + 3) {
                Some([b'3', b'd' | b'D' | b'a' | b'A']) => {
                    assigns = true;
                    i += 3;
                }
                // %22 and %27: percent-encoded quotes; %20: a space.
                Some([b'2', b'2' | b'7' | b'0']) => i += 3,
                _ => break,
            },
            _ => break,
        }
    }
    assigns.then_some(i)
}

fn is_value_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'*' | b'-' | b'_' | b'+' | b'/' | b'=' | b'%' | b'.' | b'~'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIG: &str = "eJwtzM0KgkAUhuF9rj*Kmwi1w_9=";

    #[test]
    fn every_form_is_redacted_and_nothing_else_changes() {
        let forms = [
            alloc::format!("https://h/v4/x?sdkappid=1&usersig={SIG}&random=7"),
            alloc::format!("https://h/v4/x?UserSig={SIG}"),
            alloc::format!("{{\"usersig\":\"{SIG}\"}}"),
            alloc::format!("{{\"UserSig\" : \"{SIG}\", \"x\": 1}}"),
            alloc::format!("{{\"requestId\":\"{{\\\"usersig\\\":\\\"{SIG}\\\"}}\"}}"),
            alloc::format!("next=%2Fv4%3Fusersig%3D{SIG}%26random%3D7"),
            alloc::format!("next=%2Fv4%3FUSERSIG%3d{SIG}"),
            alloc::format!("usersig: {SIG}\nother: header"),
            alloc::format!("usersig%3A%20{SIG}"),
            alloc::format!("a usersig={SIG} and usersig={SIG}"),
        ];
        for form in forms {
            let redacted = redact_usersig(&form);
            assert!(!redacted.contains(SIG), "{form} -> {redacted}");
            assert!(redacted.contains(REDACTED), "{form} -> {redacted}");
            // Idempotent.
            assert_eq!(redact_usersig(&redacted), redacted);
        }
        for untouched in [
            "UserSig expired",
            "no secret here",
            "usersig",
            "usersig=",
            "usersig: ",
        ] {
            assert_eq!(redact_usersig(untouched), untouched);
            assert!(matches!(redact_usersig(untouched), Cow::Borrowed(_)));
        }
    }

    #[test]
    fn multibyte_text_around_it_survives() {
        assert_eq!(
            redact_usersig("é usersig=abc ü"),
            alloc::format!("é usersig={REDACTED} ü")
        );
    }
}
