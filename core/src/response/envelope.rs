//! The two response envelopes, read leniently, with the payload left as raw JSON until
//! the envelope says the call succeeded.

use alloc::borrow::Cow;
use alloc::string::{String, ToString};
use core::fmt;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use super::MalformedReason;
use crate::endpoint::Generation;
use crate::plain_json::PlainReader;

/// What an envelope says.
pub(crate) enum Outcome<'a> {
    /// Success, with the raw payload if there was a non-null one.
    Success(Option<&'a RawValue>),
    /// The service reported an error.
    Failure {
        code: i64,
        message: String,
        request_id: Option<String>,
    },
}

/// v1: `{"errorCode", "errorMessage", "requestId", "data"}`.
#[derive(Deserialize)]
pub(crate) struct V1Envelope<'a> {
    #[serde(rename = "errorCode", default)]
    error_code: Option<Code>,
    #[serde(rename = "errorMessage", default, borrow)]
    error_message: Option<LenientText<'a>>,
    #[serde(rename = "requestId", default, borrow)]
    request_id: Option<LenientText<'a>>,
    #[serde(default, borrow)]
    data: Option<&'a RawValue>,
}

impl<'a> V1Envelope<'a> {
    pub(crate) fn parse(body: &'a [u8]) -> Result<Outcome<'a>, MalformedReason> {
        let envelope: V1Envelope<'a> = from_object(body)?;
        match envelope.error_code {
            None => Err(MalformedReason::NoStatus),
            Some(Code(0)) => Ok(Outcome::Success(envelope.data)),
            Some(Code(code)) => Ok(Outcome::Failure {
                code,
                message: LenientText::into_string(envelope.error_message),
                request_id: envelope.request_id.map(|id| id.0.into_owned()),
            }),
        }
    }
}

/// v4 (Chat): `{"ActionStatus", "ErrorInfo", "ErrorCode", "RequestId", "Response"}`.
#[derive(Deserialize)]
pub(crate) struct V4Envelope<'a> {
    #[serde(rename = "ActionStatus", default, borrow)]
    action_status: Option<LenientText<'a>>,
    #[serde(rename = "ErrorInfo", default, borrow)]
    error_info: Option<LenientText<'a>>,
    #[serde(rename = "ErrorCode", default)]
    error_code: Option<Code>,
    #[serde(rename = "RequestId", default, borrow)]
    request_id: Option<LenientText<'a>>,
    #[serde(rename = "Response", default, borrow)]
    response: Option<&'a RawValue>,
}

impl<'a> V4Envelope<'a> {
    pub(crate) fn parse(body: &'a [u8]) -> Result<Outcome<'a>, MalformedReason> {
        let envelope: V4Envelope<'a> = from_object(body)?;
        let status = envelope.action_status.as_ref().map(|s| s.0.as_ref());
        let code = envelope.error_code.map(|c| c.0);
        match succeeded(code, status) {
            Some(false) => Ok(Outcome::Failure {
                code: code.unwrap_or(0),
                message: LenientText::into_string(envelope.error_info),
                request_id: envelope.request_id.map(|id| id.0.into_owned()),
            }),
            Some(true) => Ok(Outcome::Success(envelope.response)),
            None => Err(MalformedReason::NoStatus),
        }
    }
}

/// What an envelope's status says: `Some(false)` a failure, `Some(true)` a success, `None`
/// neither. Either signal of failure wins: a non-zero code, or ActionStatus "FAIL"; then
/// a zero code or ActionStatus "OK" is a success. (A v1 envelope has only the code.)
fn succeeded(code: Option<i64>, action_status: Option<&str>) -> Option<bool> {
    let is = |word: &str| action_status.is_some_and(|s| s.eq_ignore_ascii_case(word));
    if code.is_some_and(|c| c != 0) || is("FAIL") {
        Some(false)
    } else if code == Some(0) || is("OK") {
        Some(true)
    } else {
        None
    }
}

/// Reads an envelope, which must be a JSON object (serde would also read a struct from
/// an array, by position).
/// A success reply read in one pass, its payload typed as `T`: what almost every reply is.
/// `None` for anything else (a failure, no status, a payload of another shape, not an
/// object), which the two-pass reading above then classifies. The two agree on every
/// success: same fields, same leniency for the status.
pub(crate) fn typed_success<T: DeserializeOwned>(
    generation: Generation,
    body: &[u8],
) -> Option<Option<T>> {
    #[derive(Deserialize)]
    #[serde(bound = "T: DeserializeOwned")]
    struct V1<T> {
        #[serde(rename = "errorCode", default)]
        error_code: Option<Code>,
        #[serde(default)]
        data: Option<T>,
    }
    #[derive(Deserialize)]
    #[serde(bound = "T: DeserializeOwned")]
    struct V4<'a, T> {
        #[serde(rename = "ActionStatus", default, borrow)]
        action_status: Option<LenientText<'a>>,
        #[serde(rename = "ErrorCode", default)]
        error_code: Option<Code>,
        #[serde(rename = "Response", default)]
        response: Option<T>,
    }
    match generation {
        Generation::V1 => {
            let reply: V1<T> = from_object(body).ok()?;
            matches!(reply.error_code, Some(Code(0))).then_some(reply.data)
        }
        Generation::V4 => {
            let reply: V4<'_, T> = from_object(body).ok()?;
            let status = reply.action_status.as_ref().map(|s| s.0.as_ref());
            let code = reply.error_code.map(|c| c.0);
            (succeeded(code, status) == Some(true)).then_some(reply.response)
        }
    }
}

/// [`typed_success`] by the plain reader ([`PlainReader`]), with `payload` reading the
/// payload (v1 `data`, v4 `Response`): the fast path of the endpoints that declare one.
/// `None` when the body is not plain JSON or is not a success with a payload; serde then
/// reads it.
pub(crate) fn read_plain_success<'a, T>(
    generation: Generation,
    body: &'a [u8],
    payload: impl FnOnce(&mut PlainReader<'a>) -> Option<T>,
) -> Option<T> {
    #[derive(Clone, Copy)]
    enum Field {
        Code,
        Status,
        Payload,
    }
    // In the order the service writes them.
    let keys: &[(&str, Field)] = match generation {
        Generation::V1 => &[("errorCode", Field::Code), ("data", Field::Payload)],
        Generation::V4 => &[
            ("ErrorCode", Field::Code),
            ("ActionStatus", Field::Status),
            ("Response", Field::Payload),
        ],
    };
    let mut reader = PlainReader::new(body)?;
    let (mut status, mut code, mut response) = (None, None, None);
    let mut payload = Some(payload);
    // Each field once (serde refuses a repeated one), and in its plain form only.
    reader.fields(keys, |reader, field| {
        match field {
            Field::Code => code = Some(reader.i64()?),
            Field::Status => status = Some(reader.str()?),
            Field::Payload => response = Some(payload.take()?(reader)?),
        }
        Some(())
    })?;
    (reader.at_end() && succeeded(code, status) == Some(true))
        .then_some(response)
        .flatten()
}

fn from_object<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Result<T, MalformedReason> {
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    if first != Some(&b'{') {
        return Err(MalformedReason::NotAnEnvelope);
    }
    serde_json::from_slice(body).map_err(|_| MalformedReason::NotAnEnvelope)
}

/// An error code: a JSON integer, an integral float, or a string holding an integer
/// (the v1 intro page types `errorCode` as String; every example sends a number).
struct Code(i64);

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CodeVisitor;
        impl Visitor<'_> for CodeVisitor {
            type Value = Code;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an integer error code, as a number or a string")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Code, E> {
                Ok(Code(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Code, E> {
                i64::try_from(v)
                    .map(Code)
                    .map_err(|_| E::custom("error code out of range"))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Code, E> {
                // An integral value within i64's range: the round trip through `as` is
                // exact then (`f64::fract` needs std).
                let truncated = v as i64;
                if v >= i64::MIN as f64 && v < i64::MAX as f64 && truncated as f64 == v {
                    Ok(Code(truncated))
                } else {
                    Err(E::custom("error code is not an integer"))
                }
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Code, E> {
                v.trim()
                    .parse()
                    .map(Code)
                    .map_err(|_| E::custom("error code string is not an integer"))
            }
        }
        deserializer.deserialize_any(CodeVisitor)
    }
}

/// A text field read leniently: a string (borrowed when it has no escapes), a number
/// or a bool as its text, and an array or object as the empty string.
struct LenientText<'a>(Cow<'a, str>);

impl LenientText<'_> {
    fn into_string(text: Option<Self>) -> String {
        text.map(|t| t.0.into_owned()).unwrap_or_default()
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for LenientText<'a> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct LenientTextVisitor;
        impl<'de> Visitor<'de> for LenientTextVisitor {
            type Value = LenientText<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or a number")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<LenientText<'de>, E> {
                Ok(LenientText(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<LenientText<'de>, E> {
                Ok(LenientText(Cow::Owned(v.to_string())))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<LenientText<'de>, E> {
                Ok(LenientText(Cow::Owned(
                    itoa::Buffer::new().format(v).to_string(),
                )))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<LenientText<'de>, E> {
                Ok(LenientText(Cow::Owned(
                    itoa::Buffer::new().format(v).to_string(),
                )))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<LenientText<'de>, E> {
                Ok(LenientText(Cow::Owned(v.to_string())))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<LenientText<'de>, E> {
                Ok(LenientText(Cow::Borrowed(if v { "true" } else { "false" })))
            }
            fn visit_seq<A: SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<LenientText<'de>, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(LenientText(Cow::Borrowed("")))
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<LenientText<'de>, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(LenientText(Cow::Borrowed("")))
            }
        }
        deserializer.deserialize_any(LenientTextVisitor)
    }
}

#[cfg(test)]
mod tests {
    use alloc::vec::Vec;

    use super::*;

    /// The one-pass reading agrees with the two-pass one: it takes exactly the successes,
    /// and reads the same payload from them.
    #[test]
    fn the_one_pass_reading_takes_exactly_the_successes() {
        type Data = serde_json::Value;
        let two_pass = |generation, body: &[u8]| -> Option<Option<Data>> {
            let outcome = match generation {
                Generation::V1 => V1Envelope::parse(body),
                Generation::V4 => V4Envelope::parse(body),
            };
            match outcome {
                Ok(Outcome::Success(raw)) => {
                    Some(raw.map(|raw| serde_json::from_str(raw.get()).unwrap()))
                }
                _ => None,
            }
        };
        let cases: Vec<(Generation, &[u8])> = alloc::vec![
            (Generation::V1, br#"{"errorCode":0,"errorMessage":"Success","requestId":"r","data":{"a":1}}"#),
            (Generation::V1, br#"{"errorCode":"0","data":"x"}"#),
            (Generation::V1, br#"{"errorCode":0,"data":null}"#),
            (Generation::V1, br#"{"errorCode":0}"#),
            (Generation::V1, br#"{"errorCode":999,"errorMessage":"none","data":""}"#),
            (Generation::V1, br#"{"data":{}}"#),
            (Generation::V1, br#"[0,{}]"#),
            (Generation::V4, br#"{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0,"RequestId":"r","Response":{"b":2}}"#),
            (Generation::V4, br#"{"ActionStatus":"ok","Response":[]}"#),
            (Generation::V4, br#"{"ErrorCode":0}"#),
            (Generation::V4, br#"{"ActionStatus":"FAIL","ErrorCode":0}"#),
            (Generation::V4, br#"{"ActionStatus":"OK","ErrorCode":70001,"ErrorInfo":"expired"}"#),
            (Generation::V4, br#"{"ErrorInfo":""}"#),
            (Generation::V4, b"not json"),
        ];
        for (generation, body) in cases {
            let one = typed_success::<Data>(generation, body);
            assert_eq!(
                one,
                two_pass(generation, body),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }
}
