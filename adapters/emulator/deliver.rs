//! Delivering the callbacks a simulated call produces: POST each [`Delivery`] in order,
//! retry the unacknowledged ones on their schedule, report what happened.

use std::time::Duration;

use callkit_core::emulator::{Delivery, is_ack};
use callkit_core::endpoint::Generation;
use serde::Serialize;

use crate::runtime::Runtime;
use crate::transport::Transport;

/// When each callback is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Pacing {
    /// One after the other, as soon as the previous one is done (retries included).
    /// The default: a simulated call's callbacks arrive in order without waiting for the
    /// call's ringing and talking time.
    #[default]
    Immediate,
    /// Each at its [`Delivery::at`] offset from the first one (waiting on the runtime's
    /// timers), so a 30 s unanswered call takes 30 s. A delivery whose retries ran past
    /// the next one's offset is followed at once by the next.
    Scheduled,
}

/// What became of one callback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct DeliveryReport {
    /// The callback generation.
    #[serde(serialize_with = "generation_str")]
    pub generation: Generation,
    /// The command word (`caller_start_call`, `Call.CallbackAfterEndCall`, ...).
    pub command: String,
    /// The URL it was POSTed to.
    pub url: String,
    /// How many times it was sent (1 + retries).
    pub attempts: u32,
    /// The HTTP status of the last attempt; `None` when no response came back.
    pub status: Option<u16>,
    /// Whether the app acknowledged it ([`is_ack`]).
    pub acked: bool,
    /// Whether it was given up on (not acknowledged after its last retry).
    pub dropped: bool,
    /// The transport error of the last attempt, if it failed without a response.
    pub error: Option<String>,
}

/// What became of every callback of one simulated call, in sending order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
#[non_exhaustive]
pub struct SimulationReport {
    /// One entry per callback, in the order they were sent.
    pub deliveries: Vec<DeliveryReport>,
}

impl SimulationReport {
    /// Whether every callback was acknowledged.
    pub fn all_acked(&self) -> bool {
        self.deliveries.iter().all(|d| d.acked)
    }
}

pub(crate) fn generation_str<S: serde::Serializer>(
    g: &Generation,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.serialize_str(g.as_str())
}

/// POSTs `deliveries` in order with `transport`, each retried after the delays of its
/// [`Delivery::retry_schedule`] until acknowledged (v1: 0, 1, 1, 2, 3, 5 s; v4: never),
/// waiting on `runtime`'s timers.
///
/// Any [`Transport`] works; here a closure that refuses everything, and a
/// [`ManualRuntime`](crate::testing::ManualRuntime) that records the waits instead of
/// spending them:
///
/// ```
/// use std::time::Duration;
/// use callkit::emulator::{Pacing, deliver};
/// use callkit::testing::ManualRuntime;
/// use callkit::transport::{HttpRequest, HttpResponse};
/// use callkit_core::callback::{V1Action, V1CallbackConfig};
/// use callkit_core::emulator::{App, CallOutcome, CallScenario, Emulator, V1_RETRY_SCHEDULE};
/// use callkit_core::secret::SecretKey;
///
/// let mut emulator = Emulator::new();
/// emulator.add_app(App::new(1400000000, SecretKey::new("k").unwrap())).unwrap();
/// let config = V1CallbackConfig {
///     address: "http://127.0.0.1:9/hook".into(),
///     actions: vec![V1Action::Reject],
/// };
/// emulator.set_v1_config(1400000000, Some(config));
/// let scenario = CallScenario::new("alice", ["bob"], CallOutcome::Rejected);
/// let deliveries = emulator.simulate_call(1400000000, &scenario, Duration::from_secs(1_700_000_000));
///
/// let busy = |_: HttpRequest| async {
///     let mut response = HttpResponse::new(b"busy".to_vec());
///     *response.status_mut() = http::StatusCode::SERVICE_UNAVAILABLE;
///     Ok::<_, std::convert::Infallible>(response)
/// };
/// let runtime = ManualRuntime::auto_advance(Duration::from_secs(1_700_000_000));
/// let report = futures_lite::future::block_on(deliver(&busy, &deliveries, &runtime, Pacing::Immediate));
/// assert_eq!(report.deliveries[0].attempts, 7);
/// assert!(report.deliveries[0].dropped);
/// assert_eq!(runtime.sleeps(), V1_RETRY_SCHEDULE.to_vec());
/// ```
pub async fn deliver<T: Transport>(
    transport: &T,
    deliveries: &[Delivery],
    runtime: &dyn Runtime,
    pacing: Pacing,
) -> SimulationReport {
    let mut report = SimulationReport::default();
    let start = deliveries.first().map(|d| d.at);
    // Where the simulated clock stands, relative to the first delivery (paced mode).
    let mut elapsed = Duration::ZERO;
    for delivery in deliveries {
        if let (Pacing::Scheduled, Some(start)) = (pacing, start) {
            let due = delivery.at.saturating_sub(start);
            if due > elapsed {
                runtime.sleep(due - elapsed).await;
                elapsed = due;
            }
        }
        let (one, waited) = deliver_one(transport, delivery, runtime).await;
        elapsed = elapsed.saturating_add(waited);
        report.deliveries.push(one);
    }
    report
}

/// One callback with its retries; also returns the time spent sleeping between attempts.
async fn deliver_one<T: Transport>(
    transport: &T,
    delivery: &Delivery,
    runtime: &dyn Runtime,
) -> (DeliveryReport, Duration) {
    let mut report = DeliveryReport {
        generation: delivery.generation,
        command: delivery.command.clone(),
        url: delivery.url.clone(),
        attempts: 0,
        status: None,
        acked: false,
        dropped: false,
        error: None,
    };
    let mut waited = Duration::ZERO;
    let mut delays = delivery.retry_schedule.iter();
    loop {
        report.attempts += 1;
        match send(transport, delivery).await {
            Ok((status, body)) => {
                report.status = Some(status);
                report.error = None;
                report.acked = is_ack(delivery.generation, status, &body);
            }
            Err(error) => {
                report.status = None;
                report.error = Some(error);
                report.acked = false;
            }
        }
        if report.acked {
            break;
        }
        match delays.next() {
            Some(delay) => {
                runtime.sleep(*delay).await;
                waited = waited.saturating_add(*delay);
            }
            None => {
                report.dropped = true;
                break;
            }
        }
    }
    (report, waited)
}

async fn send<T: Transport>(transport: &T, delivery: &Delivery) -> Result<(u16, Vec<u8>), String> {
    let request = delivery
        .to_http_request()
        .map_err(|e| format!("cannot build the callback request: {e}"))?;
    let response = transport.send(request).await.map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    Ok((status, response.into_body()))
}
