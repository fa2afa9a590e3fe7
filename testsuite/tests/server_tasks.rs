//! The application's tasks on the server's threads (`LoopbackServer::spawn`): a webhook
//! receiver whose events go to a task through a channel, what a stop does with such a
//! task (waits for it to drain, or drops it at the grace), and a task that blocks or
//! panics.
#![cfg(feature = "server")]

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use callkit::server::LoopbackServer;
use callkit::testing::ManualRuntime;
use callkit::webhook::{Payload, WebhookConfig, WebhookHandler};
use support::{CLOSE_WAIT, echo};

const APP: u32 = 1400000000;
/// Real time the test watches for something that must not happen (a stop returning).
const TINY: Duration = Duration::from_millis(50);

/// The shutdown grace of the servers on a manual clock.
const GRACE: Duration = Duration::from_secs(5);

/// An echo server whose shutdown grace runs on a manual clock.
fn on_manual_time() -> (LoopbackServer, ManualRuntime) {
    let runtime = ManualRuntime::new(Duration::from_secs(1_700_000_000));
    let server = LoopbackServer::builder()
        .shutdown_grace(GRACE)
        .runtime(runtime.shared())
        .serve(echo)
        .unwrap();
    (server, runtime)
}

/// Stops `server` on a thread of its own; the receiver hears once the stop has returned.
fn stop_in_background(server: LoopbackServer) -> (std::thread::JoinHandle<()>, mpsc::Receiver<()>) {
    let (stopped_tx, stopped) = mpsc::channel();
    let stopping = std::thread::spawn(move || {
        server.shutdown();
        stopped_tx.send(()).unwrap();
    });
    (stopping, stopped)
}

/// Posts `body` to `path` on a connection of its own; the whole response.
fn request(server: &LoopbackServer, path: &str, body: &str) -> String {
    let mut stream = TcpStream::connect(server.local_addr()).unwrap();
    stream.set_read_timeout(Some(CLOSE_WAIT)).unwrap();
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    reply
}

fn member_changed(call: &str) -> String {
    format!(
        r#"{{"CallId":"{call}","ChangedUserList":[{{"User_Account":"u2","ActionType":"Accept"}}]}}"#
    )
}

const MEMBER_CHANGED: &str =
    "/callkit?SdkAppid=1400000000&CallbackCommand=Call.CallbackAfterMemberChanged";

/// A webhook receiver whose callback sends each event into a channel, and a task on the
/// server that takes them.
struct Draining {
    server: LoopbackServer,
    /// The `CallId` of every event the task took.
    taken: Arc<Mutex<Vec<String>>>,
    /// The thread the task took each one on.
    threads: Arc<Mutex<Vec<String>>>,
    /// Once the channel has closed, the task waits for this to send or close ...
    open_gate: mpsc::Sender<()>,
    /// ... after saying so here.
    at_gate: mpsc::Receiver<()>,
}

fn receiver_draining_on_the_server() -> Draining {
    let (tx, rx) = smol::channel::unbounded();
    let server = WebhookHandler::new(WebhookConfig::new(APP), move |event| {
        tx.try_send(event)
            .map_err(|_| "the event channel is closed")
    })
    .serve_on(LoopbackServer::builder())
    .unwrap();
    let taken = Arc::new(Mutex::new(Vec::new()));
    let threads = Arc::new(Mutex::new(Vec::new()));
    let (open_gate, gate) = mpsc::channel::<()>();
    let (at_gate_tx, at_gate) = mpsc::channel::<()>();
    {
        let (taken, threads) = (Arc::clone(&taken), Arc::clone(&threads));
        server.spawn(async move {
            while let Ok(event) = rx.recv().await {
                let name = std::thread::current().name().unwrap_or("").to_owned();
                threads.lock().unwrap().push(name);
                if let Payload::MemberChanged(changed) = &event.payload {
                    taken.lock().unwrap().push(changed.call_id.clone());
                }
            }
            // The channel has closed: the handler is gone. Hold the stop here until the
            // test lets go.
            at_gate_tx.send(()).unwrap();
            let _ = gate.recv();
        });
    }
    Draining {
        server,
        taken,
        threads,
        open_gate,
        at_gate,
    }
}

#[test]
fn events_sent_into_a_channel_are_taken_by_a_task_on_the_server_threads() {
    let Draining {
        server,
        taken,
        threads,
        open_gate,
        ..
    } = receiver_draining_on_the_server();
    for call in ["c1", "c2", "c3"] {
        let reply = request(&server, MEMBER_CHANGED, &member_changed(call));
        assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    }
    drop(open_gate);
    server.shutdown();
    assert_eq!(*taken.lock().unwrap(), ["c1", "c2", "c3"]);
    let threads = threads.lock().unwrap();
    assert_eq!(threads.len(), 3);
    for name in threads.iter() {
        assert!(name.starts_with("callkit-loopback-"), "ran on {name:?}");
    }
}

#[test]
fn a_stop_waits_for_the_task_to_take_every_acknowledged_event() {
    let Draining {
        server,
        taken,
        open_gate,
        at_gate,
        ..
    } = receiver_draining_on_the_server();
    for call in ["c1", "c2"] {
        let reply = request(&server, MEMBER_CHANGED, &member_changed(call));
        assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    }
    let (stopping, stopped) = stop_in_background(server);
    // The stop dropped the handler, so the task saw the channel close after taking both
    // events, and the stop is still waiting for the task to end.
    at_gate
        .recv_timeout(CLOSE_WAIT)
        .expect("the channel closes");
    assert_eq!(*taken.lock().unwrap(), ["c1", "c2"]);
    assert!(
        stopped.recv_timeout(TINY).is_err(),
        "the stop returned while the task was still running"
    );
    open_gate.send(()).unwrap();
    stopped
        .recv_timeout(CLOSE_WAIT)
        .expect("the stop returns once the task has ended");
    stopping.join().unwrap();
}

/// Sets its flag when dropped.
struct SetOnDrop(Arc<AtomicBool>);

impl Drop for SetOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[test]
fn a_task_that_never_ends_is_dropped_at_the_shutdown_grace() {
    let (server, runtime) = on_manual_time();
    let dropped = Arc::new(AtomicBool::new(false));
    let guard = SetOnDrop(Arc::clone(&dropped));
    server.spawn(async move {
        let _guard = guard;
        std::future::pending::<()>().await;
    });
    let (stopping, stopped) = stop_in_background(server);
    assert!(
        stopped.recv_timeout(TINY).is_err(),
        "the stop returned without waiting for the task"
    );
    // The tasks' grace is the one timer a stop with no connection arms.
    runtime.wait_for_timers(1);
    runtime.advance(GRACE - Duration::from_millis(1));
    assert!(
        stopped.recv_timeout(TINY).is_err(),
        "the stop returned before the grace"
    );
    assert!(!dropped.load(Ordering::SeqCst));
    runtime.advance(Duration::from_millis(1));
    stopped
        .recv_timeout(CLOSE_WAIT)
        .expect("the stop returns at the grace");
    stopping.join().unwrap();
    assert!(dropped.load(Ordering::SeqCst), "the task was dropped");
}

/// Spawns a task that blocks the thread running it (as a synchronous database call
/// would) until the returned sender sends or is dropped; returns once it is blocked.
fn spawn_blocking_task(server: &LoopbackServer) -> mpsc::Sender<()> {
    let (release, blocked) = mpsc::channel::<()>();
    let (inside_tx, inside) = mpsc::channel::<()>();
    server.spawn(async move {
        inside_tx.send(()).unwrap();
        let _ = blocked.recv();
    });
    inside.recv_timeout(CLOSE_WAIT).expect("the task runs");
    release
}

#[test]
fn a_task_blocking_its_thread_gets_the_connections_served_by_another() {
    let server = LoopbackServer::builder().serve(echo).unwrap();
    let release = spawn_blocking_task(&server);
    // The server's one thread is held by the task: this is served by a new one.
    let reply = request(&server, "/x", "served");
    assert!(
        reply.starts_with("HTTP/1.1 200") && reply.ends_with("served"),
        "{reply}"
    );
    release.send(()).unwrap();
}

#[test]
fn a_task_that_panics_ends_alone() {
    let server = LoopbackServer::builder().serve(echo).unwrap();
    let (ran_tx, ran) = mpsc::channel::<()>();
    server.spawn(async move {
        ran_tx.send(()).unwrap();
        panic!("a bug in the application's task");
    });
    // The sender is dropped as the panic unwinds: the task ran and is gone.
    ran.recv_timeout(CLOSE_WAIT).expect("the task runs");
    assert!(ran.recv_timeout(CLOSE_WAIT).is_err());
    let reply = request(&server, "/x", "still serving");
    assert!(reply.ends_with("still serving"), "{reply}");
    // The stop does not trip over the ended task.
    server.shutdown();
}

#[test]
fn a_task_stuck_in_a_blocking_call_does_not_hold_up_the_stop() {
    let (server, runtime) = on_manual_time();
    let release = spawn_blocking_task(&server);
    let (stopping, stopped) = stop_in_background(server);
    assert!(
        stopped.recv_timeout(TINY).is_err(),
        "the stop returned without giving the task its grace"
    );
    runtime.wait_for_timers(1);
    runtime.advance(GRACE);
    // Past the grace the task cannot be dropped while its thread is stuck in it; the stop
    // returns anyway.
    stopped
        .recv_timeout(CLOSE_WAIT)
        .expect("the stop returns with the task still stuck");
    stopping.join().unwrap();
    release.send(()).unwrap();
}
