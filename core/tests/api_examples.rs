//! Every documented example of the seven callback-configuration endpoints (spec §3.1-3.4,
//! §4.1-4.3): request bodies serialize to the documented JSON, responses parse to the
//! values they show.

use callkit_core::callback::*;
use callkit_core::endpoint::{Empty, Endpoint};
use callkit_core::region::Region;
use callkit_core::request::build_request;
use callkit_core::response::parse_response;
use callkit_core::usersig::UserSig;
use serde_json::{Value, json};

/// A UserSig from text, as build_request takes it.
fn sig(text: &str) -> UserSig {
    UserSig::from_string(text.to_owned())
}

/// Builds a real request for `E` and returns its body as JSON.
fn sent_body<E: Endpoint>(region: Region, body: &E::Request) -> Value {
    let request = build_request::<E>(
        &region.into(),
        1400000000,
        "administrator",
        &sig("sig"),
        1,
        body,
    )
    .expect("the documented example is valid");
    serde_json::from_slice(request.body()).expect("the body is JSON")
}

#[test]
fn v1_set_request_example() {
    let body = V1CallbackConfig {
        address: "http://www.example.com/callback".into(),
        actions: vec![
            V1Action::CallBusy,
            V1Action::NormalEnd,
            V1Action::CallerStartCall,
            V1Action::InviteUser,
            V1Action::CalleeRejectCall,
        ],
    };
    let documented = json!({
        "address":"http://www.example.com/callback",
        "actions": ["call_busy","normal_end","caller_start_call","invite_user","callee_reject_call"]
    });
    assert_eq!(
        sent_body::<V1SetCallback>(Region::CallkitIntl, &body),
        documented
    );
}

#[test]
fn v1_update_request_example() {
    let body = V1CallbackConfig {
        address: "https://www.example2.com/callback".into(),
        actions: vec![V1Action::CallBusy, V1Action::Cancel, V1Action::NormalEnd],
    };
    let documented = json!({"address": "https://www.example2.com/callback", "actions": ["call_busy","cancel","normal_end"]});
    assert_eq!(
        sent_body::<V1UpdateCallback>(Region::CallkitChina, &body),
        documented
    );
}

#[test]
fn empty_bodies_are_an_empty_object() {
    assert_eq!(
        sent_body::<V1GetCallback>(Region::CallkitIntl, &Empty {}),
        json!({})
    );
    assert_eq!(
        sent_body::<V1DeleteCallback>(Region::CallkitIntl, &Empty {}),
        json!({})
    );
    assert_eq!(
        sent_body::<V4GetCallback>(Region::ChatChina, &Empty {}),
        json!({})
    );
    assert_eq!(
        sent_body::<V4DeleteCallback>(Region::ChatChina, &Empty {}),
        json!({})
    );
    let request = build_request::<V4GetCallback>(
        &Region::ChatChina.into(),
        1,
        "admin",
        &sig("s"),
        1,
        &Empty {},
    )
    .unwrap();
    assert_eq!(request.body(), b"{}");
}

#[test]
fn v4_set_callback_request_example() {
    let body = V4CallbackConfig {
        url: "http://www.example.com/callback".into(),
        commands: vec![
            V4Command::AfterStartCall,
            V4Command::AfterEndCall,
            V4Command::AfterMemberChanged,
        ],
    };
    let documented = json!({"Url":"http://www.example.com/callback",
        "CallbackCommandList":["Call.CallbackAfterStartCall","Call.CallbackAfterEndCall","Call.CallbackAfterMemberChanged"]});
    assert_eq!(
        sent_body::<V4SetCallback>(Region::ChatSingapore, &body),
        documented
    );
}

#[test]
fn every_action_and_command_serializes_as_documented() {
    let actions: Vec<&str> = V1Action::ALL.iter().map(V1Action::as_str).collect();
    assert_eq!(
        actions,
        [
            "cancel",
            "reject",
            "not_answer",
            "normal_end",
            "call_busy",
            "interrupt",
            "caller_start_call",
            "caller_call_accepted",
            "caller_call_missed",
            "caller_call_rejected",
            "caller_call_busy",
            "caller_cancel_call",
            "caller_call_failed",
            "caller_call_end",
            "caller_call_interrupted",
            "callee_receive_call",
            "callee_accept_call",
            "callee_not_answer_call",
            "callee_reject_call",
            "callee_ignore_call",
            "callee_call_canceled",
            "callee_call_end",
            "callee_call_interrupted",
            "invite_user",
            "join_in_group_call",
        ]
    );
    for action in V1Action::ALL {
        let text = serde_json::to_string(action).unwrap();
        assert_eq!(text, format!("\"{}\"", action.as_str()));
        assert_eq!(&serde_json::from_str::<V1Action>(&text).unwrap(), action);
    }
    assert_eq!(V4Command::ALL.len(), 3);
    for command in V4Command::ALL {
        let text = serde_json::to_string(command).unwrap();
        assert_eq!(&serde_json::from_str::<V4Command>(&text).unwrap(), command);
    }
}

#[test]
fn unknown_values_are_kept_and_known_ones_read_leniently() {
    let actions: Vec<V1Action> =
        serde_json::from_str(r#"["Normal_end", "CALL_BUSY", "future_action"]"#).unwrap();
    assert_eq!(
        actions,
        [
            V1Action::NormalEnd,
            V1Action::CallBusy,
            V1Action::Other("future_action".into())
        ]
    );
    // An unknown value goes back out exactly as it came.
    assert_eq!(
        serde_json::to_string(&actions[2]).unwrap(),
        r#""future_action""#
    );
    let command: V4Command = serde_json::from_str(r#""Call.CallbackAfterSomething""#).unwrap();
    assert_eq!(
        command,
        V4Command::Other("Call.CallbackAfterSomething".into())
    );
    assert_eq!(
        serde_json::from_str::<V4Command>(r#""call.callbackafterendcall""#).unwrap(),
        V4Command::AfterEndCall
    );
}

#[test]
fn v1_set_response_example() {
    let body = br#"{"errorCode": 0, "errorMessage": "Success", "requestId": "a1d8543a9b1daef5d0f0c21517a4bc0a", "data": "http://www.example.com/callback"}"#;
    let address = parse_response::<V1SetCallback>(200, body, 1).unwrap();
    assert_eq!(address, "http://www.example.com/callback");
}

#[test]
fn v1_get_response_example() {
    let body = br#"{"errorCode": 0, "errorMessage": "Success", "requestId": "355c3c394f0602ed81a13c34999abebb",
   "data": {"actions": ["call_busy","normal_end"], "address": "http://www.example.com/callback"}}"#;
    let config = parse_response::<V1GetCallback>(200, body, 1).unwrap();
    assert_eq!(
        config,
        V1CallbackConfig {
            address: "http://www.example.com/callback".into(),
            actions: vec![V1Action::CallBusy, V1Action::NormalEnd],
        }
    );
}

#[test]
fn v1_update_response_example() {
    let body = br#"{"errorCode": 0, "errorMessage": "Success", "requestId": "5b0fa500064397cad3554506e27e18e1", "data": "https://www.example2.com/callback"}"#;
    let address = parse_response::<V1UpdateCallback>(200, body, 1).unwrap();
    assert_eq!(address, "https://www.example2.com/callback");
}

#[test]
fn v1_delete_response_example() {
    let body = br#"{"errorCode": 0, "errorMessage": "Success", "requestId": "5b0fa500064397cad3554506e27e18e1", "data": ""}"#;
    parse_response::<V1DeleteCallback>(200, body, 1).unwrap();
}

#[test]
fn v4_set_callback_response_example() {
    let body = br#"{"ActionStatus": "OK", "ErrorInfo": "", "ErrorCode": 0, "RequestId": "Id-8c9858f01e954611ae2d4c1b1ed7d583-O-Seq-52720"}"#;
    parse_response::<V4SetCallback>(200, body, 1).unwrap();
}

#[test]
fn v4_get_callback_response_example() {
    let body = br#"{"ErrorCode": 0, "ErrorInfo": "", "ActionStatus": "OK", "RequestId": "Id-1cc8828fd3d84795ac866ced43b15b5c-O-Seq-61309",
   "Response": {"Url": "http://www.example.com/callback",
                "CallbackCommandList": ["Call.CallbackAfterStartCall","Call.CallbackAfterEndCall"]}}"#;
    let config = parse_response::<V4GetCallback>(200, body, 1).unwrap();
    assert_eq!(
        config,
        V4CallbackConfig {
            url: "http://www.example.com/callback".into(),
            commands: vec![V4Command::AfterStartCall, V4Command::AfterEndCall],
        }
    );
}

#[test]
fn v4_delete_callback_response_example() {
    let body = br#"{"ErrorCode": 0, "ErrorInfo": "", "ActionStatus": "OK", "RequestId": "Id-1cc8828fd3d84795ac866ced43b15b5c-O-Seq-61309"}"#;
    parse_response::<V4DeleteCallback>(200, body, 1).unwrap();
}

#[test]
fn endpoint_declarations_match_the_spec() {
    fn decl<E: Endpoint>() -> (&'static str, &'static str, u32, bool) {
        (
            E::PATH,
            E::GENERATION.as_str(),
            E::RATE.per_second(),
            E::RETRY_SAFE,
        )
    }
    assert_eq!(
        decl::<V1SetCallback>(),
        ("/v1/callback/set", "v1", 10, true)
    );
    assert_eq!(
        decl::<V1GetCallback>(),
        ("/v1/callback/get", "v1", 10, true)
    );
    assert_eq!(
        decl::<V1UpdateCallback>(),
        ("/v1/callback/update", "v1", 10, true)
    );
    assert_eq!(
        decl::<V1DeleteCallback>(),
        ("/v1/callback/delete", "v1", 10, true)
    );
    assert_eq!(
        decl::<V4SetCallback>(),
        ("/v4/call_config/set_callback", "v4", 200, true)
    );
    assert_eq!(
        decl::<V4GetCallback>(),
        ("/v4/call_config/get_callback", "v4", 200, true)
    );
    assert_eq!(
        decl::<V4DeleteCallback>(),
        ("/v4/call_config/delete_callback", "v4", 200, true)
    );
}
