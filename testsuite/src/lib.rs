//! callkit's test suite: the integration tests (`tests/`), the benchmarks (`benches/`) and
//! the examples that need heavy dependencies (`examples/`). This package exists so that
//! their dependencies (proptest, divan, ureq, surf, async-std...) stay out of the `callkit`
//! package, whose examples would otherwise link them all. Nothing is exported.

/// The webhook examples published in the spec (§6), shared by the tests and benches of this
/// package: the bodies byte for byte from `core/tests/data/webhook/` (see its README).
pub mod webhook_examples {
    /// §6.1, a v1 call-status callback.
    pub const V1_STATUS_BODY: &str =
        include_str!("../../core/tests/data/webhook/6.1-call-status.json");
    /// §6.2, a v1 call-event callback.
    pub const V1_EVENT_BODY: &str =
        include_str!("../../core/tests/data/webhook/6.2-call-event.json");
    /// §6.4, v4 `Call.CallbackAfterStartCall`.
    pub const START_BODY: &str = include_str!("../../core/tests/data/webhook/6.4-start-call.json");
    /// §6.5 as published: no comma before "EventTime" (line 5), so not valid JSON.
    pub const END_BODY_AS_PUBLISHED: &str =
        include_str!("../../core/tests/data/webhook/6.5-end-call.json");
    /// §6.6 as published: no comma before "EventTime" either.
    pub const MEMBER_BODY_AS_PUBLISHED: &str =
        include_str!("../../core/tests/data/webhook/6.6-member-changed.json");

    /// A published §6.5/§6.6 example with the missing comma before its "EventTime" line put
    /// back.
    pub fn with_comma_put_back(published: &str) -> String {
        published.replacen("\n \"EventTime\"", ",\n \"EventTime\"", 1)
    }
}
