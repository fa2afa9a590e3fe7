//! The fast path for the two `get` replies of the callback configuration: read by
//! [`PlainReader`](crate::plain_json::PlainReader) in one pass, with no serde, when the reply is plain JSON. Anything
//! else gives `None`, and [`crate::response::parse_response`] reads the reply with serde,
//! which is always right; the two agree wherever this one answers (the tests below).

use alloc::string::String;
use alloc::vec::Vec;

use super::v1::{V1Action, V1CallbackConfig};
use super::v4::{V4CallbackConfig, V4Command};
use crate::endpoint::Generation;
use crate::response::read_plain_success;

/// A successful v1 `get` reply, or `None` (not plain, or not a success).
pub(crate) fn read_v1_get_reply(body: &[u8]) -> Option<V1CallbackConfig> {
    let (address, actions) = read_config(
        Generation::V1,
        body,
        ["address", "actions"],
        V1Action::parse,
    )?;
    Some(V1CallbackConfig { address, actions })
}

/// A successful v4 `get_callback` reply, or `None` (not plain, or not a success).
pub(crate) fn read_v4_get_reply(body: &[u8]) -> Option<V4CallbackConfig> {
    let (url, commands) = read_config(
        Generation::V4,
        body,
        ["Url", "CallbackCommandList"],
        V4Command::parse,
    )?;
    Some(V4CallbackConfig { url, commands })
}

/// Both generations' configuration: an address and a list of values, under the
/// generation's two `keys`; a missing one reads as empty, as serde's `default` does.
fn read_config<T>(
    generation: Generation,
    body: &[u8],
    keys: [&str; 2],
    parse: fn(&str) -> T,
) -> Option<(String, Vec<T>)> {
    let [address_key, list_key] = keys;
    read_plain_success(generation, body, |reader| {
        let (mut address, mut list) = (String::new(), Vec::new());
        // Tagged by whether the key is the list's.
        reader.fields(
            &[(address_key, false), (list_key, true)],
            |reader, is_list| {
                if is_list {
                    reader.array(|reader| {
                        list.push(parse(reader.str()?));
                        Some(())
                    })
                } else {
                    address = reader.str()?.into();
                    Some(())
                }
            },
        )?;
        Some((address, list))
    })
}

#[cfg(test)]
mod tests {
    use alloc::string::String;
    use alloc::vec::Vec;

    use proptest::prelude::*;

    use super::*;
    use crate::response::typed_success;

    const V1_GET: &[u8] = br#"{"errorCode": 0, "errorMessage": "Success", "requestId": "355c3c394f0602ed81a13c34999abebb",
   "data": {"actions": ["call_busy","normal_end"], "address": "http://www.example.com/callback"}}"#;

    const V4_GET: &[u8] = br#"{"ErrorCode": 0, "ErrorInfo": "", "ActionStatus": "OK", "RequestId": "Id-1cc8828fd3d84795ac866ced43b15b5c-O-Seq-61309",
   "Response": {"Url": "http://www.example.com/callback",
                "CallbackCommandList": ["Call.CallbackAfterStartCall","Call.CallbackAfterEndCall"]}}"#;

    /// Whenever the plain readings answer, serde answers the same.
    fn agree(body: &[u8]) -> (bool, bool) {
        let v1 = read_v1_get_reply(body);
        if v1.is_some() {
            assert_eq!(v1, typed_success(Generation::V1, body).flatten());
        }
        let v4 = read_v4_get_reply(body);
        if v4.is_some() {
            assert_eq!(v4, typed_success(Generation::V4, body).flatten());
        }
        (v1.is_some(), v4.is_some())
    }

    #[test]
    fn the_documented_examples_are_read_plainly_and_as_serde_reads_them() {
        assert_eq!(agree(V1_GET), (true, false));
        assert_eq!(agree(V4_GET), (false, true));
        let v1 = read_v1_get_reply(V1_GET).unwrap();
        assert_eq!(v1.actions, [V1Action::CallBusy, V1Action::NormalEnd]);
        let v4 = read_v4_get_reply(V4_GET).unwrap();
        assert_eq!(v4.url, "http://www.example.com/callback");
        assert_eq!(v4.commands.len(), 2);
    }

    #[test]
    fn failures_and_what_serde_reads_otherwise_give_up() {
        for body in [
            &br#"{"errorCode": 999, "data": {}}"#[..],
            br#"{"errorCode": "0", "data": {}}"#, // serde reads it; the plain reader leaves it
            br#"{"errorCode": 0, "data": null}"#,
            br#"{"errorCode": 0, "errorCode": 0, "data": {}}"#,
            br#"{"errorCode": 0, "data": {"address": "a", "address": "b"}}"#,
            br#"{"errorCode": 0, "data": {"address": "a\/b"}}"#,
            br#"{"": "OK", "data": {}}"#,
            br#"{"ActionStatus": "OK", "ErrorCode": 70001, "Response": {}}"#,
            br#"{"ActionStatus": "FAIL", "Response": {}}"#,
            br#"{"ActionStatus": "OK", "Response": {"Url": 5}}"#,
        ] {
            assert_eq!(
                agree(body),
                (false, false),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }

    /// Every one-byte change, deletion and cut of the examples: the plain readings give
    /// up or agree with serde, and never panic.
    #[test]
    fn every_small_corruption_gives_up_or_agrees() {
        for example in [V1_GET, V4_GET] {
            for at in 0..example.len() {
                for byte in *b" \",:{}[]0-9nu\\\x00\xff" {
                    let mut changed = example.to_vec();
                    changed[at] = byte;
                    agree(&changed);
                }
                let mut shorter: Vec<u8> = example.to_vec();
                shorter.remove(at);
                agree(&shorter);
                agree(&example[..at]);
            }
        }
    }

    proptest! {
        #[test]
        fn any_configuration_reads_the_same_both_ways(
            address in any::<String>(), actions in prop::collection::vec(any::<String>(), 0..4),
        ) {
            let v1 = V1CallbackConfig {
                address: address.clone(),
                actions: actions.iter().map(|a| V1Action::parse(a)).collect(),
            };
            let body = alloc::format!(r#"{{"errorCode":0,"data":{}}}"#, serde_json::to_string(&v1).unwrap());
            let (plain, _) = agree(body.as_bytes());
            prop_assert_eq!(plain, !body.contains('\\'));
            let v4 = V4CallbackConfig {
                url: address,
                commands: actions.iter().map(|a| V4Command::parse(a)).collect(),
            };
            let body = alloc::format!(r#"{{"ActionStatus":"OK","Response":{}}}"#, serde_json::to_string(&v4).unwrap());
            let (_, plain) = agree(body.as_bytes());
            prop_assert_eq!(plain, !body.contains('\\'));
        }
    }
}
