//! UserSig verification. Properties:
//! * any text: a `Verifier` reused across inputs (its inflater state carried over) gives
//!   exactly what a fresh one-shot verification gives;
//! * a document signed with our key, written in any official implementation's style
//!   (key order, spacing, escaping, trailing newline, omitted zero fields; zlib at levels
//!   0, 1, 6 or 9), verifies at any moment of its validity, with its time and expire.
#![no_main]

use std::sync::Mutex;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use callkit_core::usersig::{self, Verifier};
use callkit_fuzz::{KEY, Reader, SDKAPPID, key};
use hmac::{Hmac, KeyInit, Mac};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Clone, Copy)]
enum Style {
    Python,
    Node,
    Go14,
    Go13,
    Php,
    Java,
    Cpp,
}

const STYLES: [Style; 7] = [
    Style::Python,
    Style::Node,
    Style::Go14,
    Style::Go13,
    Style::Php,
    Style::Java,
    Style::Cpp,
];

static REUSED: Mutex<Option<Verifier>> = Mutex::new(None);

fn reused(
    identifier: &str,
    usersig: &str,
    now: u64,
) -> Result<usersig::Verified, usersig::VerifyError> {
    let mut slot = REUSED.lock().unwrap();
    let verifier = slot.get_or_insert_with(|| Verifier::new(SDKAPPID, &key()).unwrap());
    verifier.verify_user_sig(identifier, usersig, now)
}

/// `\uXXXX` escapes (UTF-16, lower-case hex) for the characters `escape` selects.
fn escape_chars(json: &str, escape: impl Fn(char) -> bool) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if escape(c) {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// A JSON string literal the way `style`'s JSON library writes it.
fn string(style: Style, value: &str) -> String {
    let plain = serde_json::to_string(value).unwrap();
    match style {
        Style::Python => escape_chars(&plain, |c| !c.is_ascii()),
        Style::Php => escape_chars(&plain, |c| !c.is_ascii()).replace('/', "\\/"),
        Style::Go14 | Style::Go13 => escape_chars(&plain, |c| {
            matches!(c, '<' | '>' | '&' | '\u{2028}' | '\u{2029}')
        }),
        Style::Java => escape_chars(
            &plain,
            |c| matches!(c, '\u{80}'..='\u{9f}' | '\u{2000}'..='\u{20ff}'),
        )
        .replace("</", "<\\/"),
        Style::Node | Style::Cpp => plain,
    }
}

fn document(style: Style, identifier: &str, time: u64, expire: u64, sig: &str) -> String {
    // Python's json.dumps separates with ", " and ": "; the others are compact.
    let (colon, comma) = match style {
        Style::Python => (": ", ", "),
        _ => (":", ","),
    };
    let field = |name: &str, value: String| format!("\"TLS.{name}\"{colon}{value}");
    let ver = field("ver", "\"2.0\"".to_owned());
    let app = field("sdkappid", SDKAPPID.to_string());
    let id = field("identifier", string(style, identifier));
    let sig = field("sig", string(style, sig));
    let time_f = field("time", time.to_string());
    let expire_f = field("expire", expire.to_string());
    let object = |parts: &[&String]| {
        let parts: Vec<&str> = parts.iter().map(|s| s.as_str()).collect();
        format!("{{{}}}", parts.join(comma))
    };
    match style {
        Style::Python | Style::Php => object(&[&ver, &id, &app, &expire_f, &time_f, &sig]),
        Style::Node => object(&[&ver, &id, &app, &time_f, &expire_f, &sig]),
        Style::Go14 => {
            // omitempty: an empty identifier and zero numbers are left out.
            let mut parts = vec![&ver];
            if !identifier.is_empty() {
                parts.push(&id);
            }
            parts.push(&app);
            if expire != 0 {
                parts.push(&expire_f);
            }
            if time != 0 {
                parts.push(&time_f);
            }
            parts.push(&sig);
            object(&parts) + "\n"
        }
        Style::Go13 => object(&[&expire_f, &id, &app, &sig, &time_f, &ver]),
        Style::Java => object(&[&expire_f, &ver, &app, &id, &sig, &time_f]),
        Style::Cpp => object(&[&ver, &app, &id, &time_f, &expire_f, &sig]),
    }
}

fn signed(identifier: &str, time: u64, expire: u64, style: Style, level: u8) -> String {
    let content = format!(
        "TLS.identifier:{identifier}\nTLS.sdkappid:{SDKAPPID}\nTLS.time:{time}\nTLS.expire:{expire}\n"
    );
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(KEY.as_bytes()).unwrap();
    mac.update(content.as_bytes());
    let sig = STANDARD.encode(mac.finalize().into_bytes());
    let json = document(style, identifier, time, expire, &sig);
    let level = [0, 1, 6, 9][usize::from(level % 4)];
    let zlib = miniz_oxide::deflate::compress_to_vec_zlib(json.as_bytes(), level);
    STANDARD
        .encode(zlib)
        .replace('+', "*")
        .replace('/', "-")
        .replace('=', "_")
}

// Input: a mode byte. Even: raw, `now (4) | identifier NUL usersig`. Odd: signed,
// `time (4) | expire (4) | style | level | into_validity (4) | identifier`.
fuzz_target!(|data: &[u8]| {
    let mut input = Reader(data);
    if input.u8() % 2 == 0 {
        let now = u64::from(input.u32());
        let identifier = input.text();
        let usersig = input.text();
        let fresh = usersig::verify_user_sig(SDKAPPID, &key(), &identifier, &usersig, now);
        assert_eq!(reused(&identifier, &usersig, now), fresh);
    } else {
        let (time, expire) = (u64::from(input.u32()), u64::from(input.u32()));
        let style = STYLES[usize::from(input.u8()) % STYLES.len()];
        let level = input.u8();
        let into_validity = u64::from(input.u32());
        // Identifiers as Tencent documents them: at most 32 bytes (cut on a char).
        let mut identifier = input.text();
        while identifier.len() > 32 {
            identifier.pop();
        }
        let sig = signed(&identifier, time, expire, style, level);
        let now = time + into_validity % (expire + 1);
        let fresh = usersig::verify_user_sig(SDKAPPID, &key(), &identifier, &sig, now);
        let got = fresh.unwrap_or_else(|e| panic!("{style:?} document refused: {e:?}"));
        assert_eq!((got.time, got.expire), (time, expire));
        assert_eq!(reused(&identifier, &sig, now), fresh);
    }
});
