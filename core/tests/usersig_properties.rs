//! Properties of generation and verification over arbitrary inputs: round trips, tamper
//! detection, and no panics on garbage.

use callkit_core::secret::SecretKey;
use callkit_core::usersig::{self, Privileges, Room, Signer, VerifyError};
use proptest::prelude::*;

fn key() -> SecretKey {
    SecretKey::new("5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e").unwrap()
}

/// Identifiers of every kind we sign for: non-ASCII, quotes, backslashes, control characters.
fn identifier() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9_-]{1,32}",
        "\\PC{1,40}",
        "[\"\\\\/<>&\u{0}-\u{1f}\u{7f}\u{2028}a]{1,20}",
        any::<String>().prop_filter("non-empty, within the limit", |s| {
            !s.is_empty() && s.len() <= usersig::MAX_IDENTIFIER_LEN
        }),
    ]
}

/// Clocks and lifetimes including the edges: u32 wrap-around and u64 overflow.
fn seconds() -> impl Strategy<Value = u64> {
    prop_oneof![
        0u64..=u64::from(u32::MAX) + 10,
        Just(u64::from(u32::MAX)),
        Just(u64::MAX),
        (u64::MAX - 1000)..=u64::MAX,
        any::<u64>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn user_sig_round_trips(
        sdkappid in 1u32..=u32::MAX,
        id in identifier(),
        expire in seconds(),
        now in seconds(),
    ) {
        let signer = Signer::new(sdkappid, &key()).unwrap();
        let sig = signer.user_sig(&id, expire, now).unwrap();
        // The one-shot function makes the very same string.
        prop_assert_eq!(&usersig::generate_user_sig(sdkappid, &key(), &id, expire, now).unwrap(), &sig);
        let got = signer.verify_user_sig(&id, sig.as_str(), now).unwrap();
        prop_assert_eq!((got.time, got.expire), (now, expire));
        prop_assert_eq!(got.expires_at, now.saturating_add(expire));
        let after = got.expires_at.checked_add(1);
        if let Some(after) = after {
            prop_assert_eq!(
                signer.verify_user_sig(&id, sig.as_str(), after),
                Err(VerifyError::Expired { expires_at: got.expires_at })
            );
        }
    }

    #[test]
    fn output_decodes_independently_with_a_correct_hmac(
        sdkappid in 1u32..=u32::MAX,
        id in identifier(),
        expire in seconds(),
        now in seconds(),
    ) {
        use base64::Engine as _;
        use hmac::{KeyInit as _, Mac as _};
        let sig = usersig::generate_user_sig(sdkappid, &key(), &id, expire, now).unwrap();
        let std_b64 = sig.as_str().replace('*', "+").replace('-', "/").replace('_', "=");
        let zlib = base64::engine::general_purpose::STANDARD.decode(std_b64).unwrap();
        let json = miniz_oxide::inflate::decompress_to_vec_zlib(&zlib).unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&json).unwrap();
        prop_assert_eq!(doc["TLS.ver"].as_str(), Some("2.0"));
        prop_assert_eq!(doc["TLS.identifier"].as_str(), Some(id.as_str()));
        prop_assert_eq!(doc["TLS.sdkappid"].as_u64(), Some(u64::from(sdkappid)));
        prop_assert_eq!(doc["TLS.expire"].as_u64(), Some(expire));
        prop_assert_eq!(doc["TLS.time"].as_u64(), Some(now));
        let content = format!(
            "TLS.identifier:{id}\nTLS.sdkappid:{sdkappid}\nTLS.time:{now}\nTLS.expire:{expire}\n"
        );
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key().expose_bytes()).unwrap();
        mac.update(content.as_bytes());
        let want = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
        prop_assert_eq!(doc["TLS.sig"].as_str(), Some(want.as_str()));
    }

    #[test]
    fn private_map_key_round_trips(
        sdkappid in 1u32..=u32::MAX,
        id in "[ -~]{1,64}",
        numeric in any::<u32>(),
        name in "[ -~]{1,64}",
        use_name in any::<bool>(),
        bits in any::<u32>(),
        expire in seconds(),
        now in seconds(),
    ) {
        let room = if use_name { Room::Named(&name) } else { Room::Numeric(numeric) };
        let signer = Signer::new(sdkappid, &key()).unwrap();
        let pmk = signer.private_map_key(&id, room, Privileges::from_bits(bits), expire, now).unwrap();
        let got = signer.verify_private_map_key(&id, room, pmk.as_str(), now).unwrap();
        prop_assert_eq!(got.grant.room.as_room(), room);
        prop_assert_eq!(got.grant.privileges.bits(), bits);
        prop_assert_eq!(&got.grant.account, &id);
        prop_assert_eq!(got.grant.sdkappid, sdkappid);
        prop_assert_eq!(got.grant.expires_at, now.wrapping_add(expire) as u32);
    }

    #[test]
    fn any_single_byte_change_is_refused(
        id in identifier(),
        expire in seconds(),
        now in 0u64..u64::from(u32::MAX),
        index in any::<prop::sample::Index>(),
        xor in 1u8..=255,
    ) {
        let sig = usersig::generate_user_sig(1_400_000_000, &key(), &id, expire, now).unwrap();
        let mut bytes = sig.as_str().as_bytes().to_vec();
        let i = index.index(bytes.len());
        bytes[i] ^= xor;
        if let Ok(text) = String::from_utf8(bytes) {
            prop_assert!(usersig::verify_user_sig(1_400_000_000, &key(), &id, &text, now).is_err());
        }
    }

    #[test]
    fn verify_never_panics_on_arbitrary_text(text in any::<String>(), now in any::<u64>()) {
        let _ = usersig::verify_user_sig(1_400_000_000, &key(), "a", &text, now);
        let _ = usersig::verify_private_map_key(1_400_000_000, &key(), "a", Room::Numeric(1), &text, now);
    }

    #[test]
    fn verify_never_panics_on_arbitrary_zlib_documents(json in any::<Vec<u8>>(), level in 0u8..=9) {
        // Valid framing around arbitrary payloads reaches the JSON and userbuf layers.
        let zlib = miniz_oxide::deflate::compress_to_vec_zlib(&json, level);
        use base64::Engine as _;
        let text = base64::engine::general_purpose::STANDARD
            .encode(zlib)
            .replace('+', "*")
            .replace('/', "-")
            .replace('=', "_");
        prop_assert!(usersig::verify_user_sig(1, &key(), "a", &text, 0).is_err());
    }
}

#[test]
fn verify_never_panics_on_json_shaped_garbage() {
    use base64::Engine as _;
    let docs: &[&str] = &[
        r#"{"TLS.sig":"","TLS.userbuf":"AAAA"}"#,
        r#"{"TLS.sig":"LvA7d/Iw7gSsnskvVzBDPOCCDbuNCw4GHwTC0bip+B4=","TLS.userbuf":"!!"}"#,
        r#"{"TLS.time":18446744073709551615,"TLS.expire":18446744073709551615,"TLS.sig":"x"}"#,
        r#"{"TLS.identifier":"\ud800","TLS.sig":"x"}"#,
        r#"{"TLS.sig":"x","TLS.sig":"y"}"#,
        "{}",
        "null",
    ];
    let key = key();
    for doc in docs {
        let zlib = miniz_oxide::deflate::compress_to_vec_zlib(doc.as_bytes(), 6);
        let text = base64::engine::general_purpose::STANDARD
            .encode(zlib)
            .replace('+', "*")
            .replace('/', "-")
            .replace('=', "_");
        assert!(
            usersig::verify_user_sig(0, &key, "", &text, u64::MAX).is_err(),
            "{doc}"
        );
        assert!(
            usersig::verify_private_map_key(0, &key, "", Room::Numeric(0), &text, 0).is_err(),
            "{doc}"
        );
    }
}
