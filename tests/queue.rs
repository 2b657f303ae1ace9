//! Queue routes against the real RabbitMQ on this machine (started by
//! `scripts/bootstrap.sh`): the bridge consumes a queue of its own, unique
//! name and delivers to a REST upstream on loopback; retries, poison and
//! dead letters are counted at the end, and every queue is deleted.

use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use lapin::options::{
    BasicGetOptions, BasicPublishOptions, ConfirmSelectOptions, QueueDeleteOptions,
};
use lapin::types::{AMQPValue, ShortString};
use lapin::{BasicProperties, Confirmation, Connection, ConnectionProperties};

use crate::serve::start_serve;
use crate::util::*;

fn amqp() -> String {
    std::env::var("SOAPBRIDGE_TEST_AMQP")
        .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into())
}

/// Waits until `queue` exists with `consumers` consumers (or any number,
/// for `None`). Each check uses a fresh channel: a failed passive declare
/// closes the channel it ran on.
pub(crate) async fn wait_for_queue(conn: &Connection, queue: &str, consumers: Option<u32>) {
    let started = Instant::now();
    loop {
        let ch = conn.create_channel().await.unwrap();
        let q = ch
            .queue_declare(
                queue.into(),
                lapin::options::QueueDeclareOptions {
                    passive: true,
                    ..Default::default()
                },
                Default::default(),
            )
            .await;
        let _ = ch.close(200, "checked".into()).await;
        if q.as_ref()
            .is_ok_and(|q| consumers.is_none_or(|c| q.consumer_count() == c))
        {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{queue} is not there with {consumers:?} consumers: {q:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Deletes a test's queue, its retry and its dead-letter queue when
/// dropped, also when the test fails.
struct Cleanup(String);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let q = self.0.clone();
        let Ok(rt) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return;
        };
        rt.block_on(async move {
            let Ok(conn) = Connection::connect(&amqp(), ConnectionProperties::default()).await
            else {
                return;
            };
            let Ok(ch) = conn.create_channel().await else {
                return;
            };
            for name in [q.clone(), format!("{q}.retry"), format!("{q}.dlq")] {
                let _ = ch
                    .queue_delete(name.as_str().into(), QueueDeleteOptions::default())
                    .await;
            }
        });
    }
}

/// What the upstream saw: attempts per message id, and the ids it accepted.
#[derive(Clone, Default)]
pub(crate) struct Seen {
    pub(crate) tries: HashMap<String, u32>,
    pub(crate) accepted: Vec<String>,
    /// Requests still to fail (500, or a hang past the timeout) before the
    /// upstream recovers.
    pub(crate) outage: u32,
    /// A pause before each answer, in milliseconds.
    pub(crate) delay_ms: u64,
}

pub(crate) type Shared = std::sync::Arc<Mutex<Seen>>;

/// The REST upstream: `m-3` and `m-4` fail twice with 500 then succeed,
/// `m-7` always fails, `m-8` is refused with 422; the rest succeed.
pub(crate) fn start_upstream() -> (u16, Shared) {
    let seen: Shared = Default::default();
    let shared = seen.clone();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let data = web::Data::new(shared);
            HttpServer::new(move || {
                App::new().app_data(data.clone()).route(
                    "/payment-events",
                    web::post().to(
                        |req: HttpRequest, seen: web::Data<Shared>, _body: web::Bytes| async move {
                            let id = req
                                .headers()
                                .get("idempotency-key")
                                .or_else(|| req.headers().get("x-request-id"))
                                .and_then(|v| v.to_str().ok())
                                .unwrap_or("")
                                .to_string();
                            // During an outage: a 500, or a hang past the timeout.
                            let delay = seen.lock().unwrap().delay_ms;
                            let outage = {
                                let mut seen = seen.lock().unwrap();
                                *seen.tries.entry(id.clone()).or_insert(0) += 1;
                                (seen.outage > 0).then(|| {
                                    seen.outage -= 1;
                                    seen.outage.is_multiple_of(2)
                                })
                            };
                            if delay > 0 {
                                actix_web::rt::time::sleep(Duration::from_millis(delay)).await;
                            }
                            if let Some(slow) = outage {
                                if slow {
                                    actix_web::rt::time::sleep(Duration::from_millis(700)).await;
                                }
                                return HttpResponse::InternalServerError().finish();
                            }
                            let mut seen = seen.lock().unwrap();
                            let n = seen.tries[&id];
                            match id.as_str() {
                                "m-3" | "m-4" if n <= 2 => {
                                    HttpResponse::InternalServerError().finish()
                                }
                                "m-7" => HttpResponse::InternalServerError().finish(),
                                "m-8" => HttpResponse::UnprocessableEntity()
                                    .json(serde_json::json!({"title": "refused"})),
                                _ => {
                                    seen.accepted.push(id);
                                    HttpResponse::Accepted().finish()
                                }
                            }
                        },
                    ),
                )
            })
            .workers(1)
            .listen(listener)
            .unwrap()
            .run()
            .await
            .unwrap();
        });
    });
    (port, seen)
}

#[test]
fn a_queue_route_delivers_retries_and_dead_letters_without_losing_anything() {
    let queue = format!(
        "sbtest.{}.{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    );
    let _cleanup = Cleanup(queue.clone());
    let (upstream, seen) = start_upstream();
    let dir = scratch();
    write(
        &dir,
        "payments.yaml",
        &format!(
            "contract: {}/wsdl/bank-payments/payments.wsdl\nupstream:\n  base_url: http://127.0.0.1:{upstream}\n  timeout: 5s\noperations:\n  NotifyPaymentEvent:\n    method: POST\n    path: /payment-events\n    queue:\n      name: {queue}\n      max_attempts: 3\n      retry_delay: 100ms\n      prefetch: 4\n",
            root().display()
        ),
    );
    let event = {
        let o = soapbridge(&[
            "convert",
            "wsdl/bank-payments/payments.wsdl",
            "--element",
            "NotifyPaymentEvent",
            "--to",
            "json",
            "wsdl/bank-payments/samples/NotifyPaymentEvent.xml",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        stdout(&o).trim().to_string()
    };
    let bridge = start_serve(
        &["--mappings", dir.to_str().unwrap(), "--amqp", &amqp()],
        &[],
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let conn = Connection::connect(&amqp(), ConnectionProperties::default())
            .await
            .expect("RabbitMQ on 127.0.0.1:5672 (scripts/bootstrap.sh starts it)");
        let ch = conn.create_channel().await.unwrap();
        ch.confirm_select(ConfirmSelectOptions::default())
            .await
            .unwrap();
        // The bridge declares the queues; wait until it has.
        wait_for_queue(&conn, &queue, None).await;
        let publish = |ch: lapin::Channel, id: String, body: Vec<u8>, q: String| async move {
            let confirm = ch
                .basic_publish(
                    "".into(),
                    q.as_str().into(),
                    BasicPublishOptions::default(),
                    &body,
                    BasicProperties::default()
                        .with_delivery_mode(2)
                        .with_message_id(id.as_str().into()),
                )
                .await
                .unwrap()
                .await
                .unwrap();
            assert!(matches!(confirm, Confirmation::Ack(_)), "{confirm:?}");
        };
        for i in 0..10 {
            publish(
                ch.clone(),
                format!("m-{i}"),
                event.clone().into_bytes(),
                queue.clone(),
            )
            .await;
        }
        publish(
            ch.clone(),
            "poison-1".into(),
            b"not json at all".to_vec(),
            queue.clone(),
        )
        .await;
        publish(
            ch.clone(),
            "poison-2".into(),
            br#"{"event":{"nope":1}}"#.to_vec(),
            queue.clone(),
        )
        .await;

        // Everything ends up delivered or dead-lettered.
        let dlq = format!("{queue}.dlq");
        let mut dead: Vec<(String, String)> = Vec::new();
        let started = Instant::now();
        loop {
            while let Some(m) = ch
                .basic_get(dlq.as_str().into(), BasicGetOptions { no_ack: true })
                .await
                .unwrap()
            {
                let id = m
                    .delivery
                    .properties
                    .message_id()
                    .as_ref()
                    .map(|s| s.to_string())
                    .unwrap_or_default();
                let why = m
                    .delivery
                    .properties
                    .headers()
                    .as_ref()
                    .and_then(|h| {
                        h.inner()
                            .get(&ShortString::from(soapbridge::queue::ERROR))
                            .cloned()
                    })
                    .map(|v| match v {
                        AMQPValue::LongString(s) => {
                            String::from_utf8_lossy(s.as_bytes()).into_owned()
                        }
                        other => format!("{other:?}"),
                    })
                    .unwrap_or_default();
                dead.push((id, why));
            }
            let accepted = seen.lock().unwrap().accepted.len();
            if accepted >= 8 && dead.len() >= 4 {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "after 30 s: {accepted} accepted, dead letters {dead:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let Seen {
            tries, accepted, ..
        } = seen.lock().unwrap().clone();
        let mut got: Vec<String> = accepted;
        got.sort();
        got.dedup();
        assert_eq!(
            got,
            ["m-0", "m-1", "m-2", "m-3", "m-4", "m-5", "m-6", "m-9"]
        );
        assert_eq!(tries["m-3"], 3, "failed twice, then delivered");
        assert_eq!(tries["m-7"], 3, "max_attempts");
        assert_eq!(tries["m-8"], 1, "a 4xx is not retried");
        dead.sort();
        let ids: Vec<&str> = dead.iter().map(|(i, _)| i.as_str()).collect();
        assert_eq!(ids, ["m-7", "m-8", "poison-1", "poison-2"], "{dead:?}");
        assert!(dead[0].1.contains("after 3 attempts"), "{dead:?}");
        assert!(dead[2].1.contains("not JSON"), "{dead:?}");
        assert!(dead[3].1.contains("breaks the contract"), "{dead:?}");
        for q in [queue.clone(), format!("{queue}.retry"), dlq] {
            ch.queue_delete(q.as_str().into(), QueueDeleteOptions::default())
                .await
                .unwrap();
        }
    });
    // /metrics counts what happened, and samples the queue depths.
    let m = crate::serve::http()
        .get(format!("{}/metrics", bridge.url))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        m.contains(&format!(
            r#"soapbridge_queue_delivered_total{{queue="{queue}"}} 8"#
        )),
        "{m}"
    );
    assert!(
        m.contains(&format!(r#"soapbridge_queue_depth{{queue="{queue}.dlq"}}"#)),
        "{m}"
    );
    assert!(
        m.contains(r#"outcome="retried""#) && m.contains(r#"outcome="dead_lettered""#),
        "{m}"
    );
}

#[test]
fn queue_settings_are_checked() {
    let dir = scratch();
    write(
        &dir,
        "payments.yaml",
        &format!(
            "contract: {}/wsdl/bank-payments/payments.wsdl\nupstream:\n  base_url: http://127.0.0.1:1\noperations:\n  NotifyPaymentEvent:\n    queue:\n      name: has spaces\n      max_attempts: 0\n      queue_type: lazy\n",
            root().display()
        ),
    );
    let o = soapbridge(&["check", "--mappings", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    for needle in [
        "`has spaces` is not a queue name",
        "queue.max_attempts: must be at least 1",
        "`lazy` is not quorum or classic",
    ] {
        assert!(err.contains(needle), "missing `{needle}` in {err}");
    }
}

/// A one-way SOAP operation published to a queue (202 after the broker's
/// confirm), consumed by the same bridge and delivered to the upstream with
/// the SOAP request's id as idempotency key; and a clear fault, fast, when
/// the broker is away.
#[test]
fn a_one_way_soap_call_goes_through_the_queue_to_the_upstream() {
    let queue = format!(
        "sbtest.pub.{}.{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    );
    let _cleanup = Cleanup(queue.clone());
    let (upstream, seen) = start_upstream();
    let dir = scratch();
    let mapping = |amqp_queue: &str| {
        format!(
            "contract: {}/wsdl/bank-payments/payments.wsdl\nupstream:\n  base_url: http://127.0.0.1:{upstream}\noperations:\n  NotifyPaymentEvent:\n    method: POST\n    path: /payment-events\n    publish:\n      queue: {amqp_queue}\n    queue:\n      name: {amqp_queue}\n      retry_delay: 100ms\n",
            root().display()
        )
    };
    write(&dir, "payments.yaml", &mapping(&queue));
    let bridge = start_serve(
        &["--mappings", dir.to_str().unwrap(), "--amqp", &amqp()],
        &[],
    );
    let ready = crate::serve::http()
        .get(format!("{}/readyz", bridge.url))
        .send()
        .unwrap();
    assert_eq!(ready.status(), 200);
    let body =
        std::fs::read_to_string(root().join("wsdl/bank-payments/samples/NotifyPaymentEvent.xml"))
            .unwrap();
    let body = body.trim_start_matches(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    let envelope = format!(
        r#"<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body>{body}</e:Body></e:Envelope>"#
    );
    let r = crate::serve::http()
        .post(format!("{}/soap/PaymentService", bridge.url))
        .header("Content-Type", "application/soap+xml")
        .header("X-Request-Id", "event-0001")
        .body(envelope.clone())
        .send()
        .unwrap();
    assert_eq!(r.status(), 202, "{}", r.text().unwrap());
    let started = Instant::now();
    while !seen
        .lock()
        .unwrap()
        .accepted
        .contains(&"event-0001".to_string())
    {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the event did not reach the upstream"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(bridge);
    // Broker unreachable: a Receiver fault within seconds, and /readyz says so.
    let closed = crate::serve::free_port();
    let down = start_serve(
        &[
            "--mappings",
            dir.to_str().unwrap(),
            "--amqp",
            &format!("amqp://guest:guest@127.0.0.1:{closed}/%2f"),
        ],
        &[],
    );
    let started = Instant::now();
    let r = crate::serve::http()
        .post(format!("{}/soap/PaymentService", down.url))
        .header("Content-Type", "application/soap+xml")
        .body(envelope)
        .send()
        .unwrap();
    let status = r.status().as_u16();
    let text = r.text().unwrap();
    assert_eq!(status, 500, "{text}");
    assert!(
        text.contains("soap:Receiver") && text.contains("message broker is unavailable"),
        "{text}"
    );
    assert!(started.elapsed() < Duration::from_secs(8));
    let ready = crate::serve::http()
        .get(format!("{}/readyz", down.url))
        .send()
        .unwrap();
    assert_eq!(ready.status(), 503);
    drop(down);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let conn = Connection::connect(&amqp(), ConnectionProperties::default())
            .await
            .unwrap();
        let ch = conn.create_channel().await.unwrap();
        for q in [
            queue.clone(),
            format!("{queue}.retry"),
            format!("{queue}.dlq"),
        ] {
            ch.queue_delete(q.as_str().into(), QueueDeleteOptions::default())
                .await
                .unwrap();
        }
    });
}

/// `soapbridge dlq list|show|replay` on a real dead-letter queue.
#[test]
fn dead_letters_are_listed_shown_and_replayed() {
    let queue = format!(
        "sbtest.dlq.{}.{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    );
    let _cleanup = Cleanup(queue.clone());
    let (upstream, _seen) = start_upstream();
    let dir = scratch();
    write(
        &dir,
        "payments.yaml",
        &format!(
            "contract: {}/wsdl/bank-payments/payments.wsdl\nupstream:\n  base_url: http://127.0.0.1:{upstream}\noperations:\n  NotifyPaymentEvent:\n    method: POST\n    path: /payment-events\n    queue:\n      name: {queue}\n      max_attempts: 1\n",
            root().display()
        ),
    );
    let event = {
        let o = soapbridge(&[
            "convert",
            "wsdl/bank-payments/payments.wsdl",
            "--element",
            "NotifyPaymentEvent",
            "--to",
            "json",
            "wsdl/bank-payments/samples/NotifyPaymentEvent.xml",
        ]);
        stdout(&o).trim().to_string()
    };
    let bridge = start_serve(
        &["--mappings", dir.to_str().unwrap(), "--amqp", &amqp()],
        &[],
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    let ch = rt.block_on(async {
        let conn = Connection::connect(&amqp(), ConnectionProperties::default())
            .await
            .unwrap();
        let ch = conn.create_channel().await.unwrap();
        ch.confirm_select(ConfirmSelectOptions::default())
            .await
            .unwrap();
        wait_for_queue(&conn, &queue, None).await;
        // `m-7` always fails upstream; with one attempt it is dead-lettered at once.
        ch.basic_publish(
            "".into(),
            queue.as_str().into(),
            BasicPublishOptions::default(),
            event.as_bytes(),
            BasicProperties::default()
                .with_delivery_mode(2)
                .with_message_id("m-7".into()),
        )
        .await
        .unwrap()
        .await
        .unwrap();
        (conn, ch)
    });
    let dlq = |args: &[&str]| {
        let mut all = vec!["dlq"];
        all.extend_from_slice(args);
        let amqp = amqp();
        all.extend_from_slice(&["--amqp", &amqp]);
        let o = soapbridge(&all);
        assert!(o.status.success(), "{}", stderr(&o));
        stdout(&o)
    };
    let started = Instant::now();
    while !dlq(&["list", &queue]).starts_with("1 dead letter(s)") {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no dead letter"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let listed = dlq(&["list", &queue]);
    assert!(listed.contains("m-7  attempts 1"), "{listed}");
    let shown: serde_json::Value =
        serde_json::from_str(&dlq(&["show", &queue, "--id", "m-7"])).unwrap();
    assert_eq!(shown[0]["message_id"], "m-7");
    assert!(
        shown[0]["error"]
            .as_str()
            .unwrap()
            .contains("after 1 attempts"),
        "{shown}"
    );
    assert_eq!(shown[0]["body"].as_str().unwrap(), event);
    // Replayed while no consumer runs: it sits in the queue again, same id.
    drop(bridge);
    std::thread::sleep(Duration::from_millis(300));
    assert!(dlq(&["replay", &queue]).starts_with("1 message(s) moved"));
    assert!(dlq(&["list", &queue]).starts_with("0 dead letter(s)"));
    rt.block_on(async {
        let (_conn, ch) = (ch.0, ch.1);
        let m = ch
            .basic_get(queue.as_str().into(), BasicGetOptions { no_ack: true })
            .await
            .unwrap()
            .expect("the replayed message");
        assert_eq!(
            m.delivery
                .properties
                .message_id()
                .as_ref()
                .unwrap()
                .as_str(),
            "m-7"
        );
        for q in [
            queue.clone(),
            format!("{queue}.retry"),
            format!("{queue}.dlq"),
        ] {
            ch.queue_delete(q.as_str().into(), QueueDeleteOptions::default())
                .await
                .unwrap();
        }
    });
}

/// Fault test: `kill -9` of the consuming bridge mid-stream, then a
/// restart. Every message reaches the upstream at least once; duplicates
/// carry the same message id (the idempotency key).
#[test]
fn kill_9_of_the_consumer_loses_nothing() {
    // 2,000 in CI; SOAPBRIDGE_FAULT_MESSAGES=10000 for a longer run.
    let n: usize = std::env::var("SOAPBRIDGE_FAULT_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let queue = format!(
        "sbtest.kill.{}.{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    );
    let _cleanup = Cleanup(queue.clone());
    let (upstream, seen) = start_upstream();
    let dir = scratch();
    write(
        &dir,
        "payments.yaml",
        &format!(
            "contract: {}/wsdl/bank-payments/payments.wsdl\nupstream:\n  base_url: http://127.0.0.1:{upstream}\noperations:\n  NotifyPaymentEvent:\n    method: POST\n    path: /payment-events\n    queue:\n      name: {queue}\n      prefetch: 32\n",
            root().display()
        ),
    );
    let event = {
        let o = soapbridge(&[
            "convert",
            "wsdl/bank-payments/payments.wsdl",
            "--element",
            "NotifyPaymentEvent",
            "--to",
            "json",
            "wsdl/bank-payments/samples/NotifyPaymentEvent.xml",
        ]);
        stdout(&o).trim().to_string()
    };
    let first = start_serve(
        &["--mappings", dir.to_str().unwrap(), "--amqp", &amqp()],
        &[],
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (_conn, ch) = rt.block_on(async {
        let conn = Connection::connect(&amqp(), ConnectionProperties::default())
            .await
            .unwrap();
        let ch = conn.create_channel().await.unwrap();
        ch.confirm_select(ConfirmSelectOptions::default())
            .await
            .unwrap();
        wait_for_queue(&conn, &queue, None).await;
        let mut confirms = Vec::with_capacity(n);
        for i in 0..n {
            confirms.push(
                ch.basic_publish(
                    "".into(),
                    queue.as_str().into(),
                    BasicPublishOptions::default(),
                    event.as_bytes(),
                    BasicProperties::default()
                        .with_delivery_mode(2)
                        .with_message_id(format!("k-{i}").as_str().into()),
                )
                .await
                .unwrap(),
            );
        }
        for c in confirms {
            assert!(matches!(c.await.unwrap(), Confirmation::Ack(_)));
        }
        (conn, ch)
    });
    // Kill it once it is busy delivering.
    let started = Instant::now();
    while seen.lock().unwrap().accepted.len() < n / 10 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no progress before the kill"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    drop(first); // SIGKILL: unacked deliveries go back to the queue
    let at_kill = seen.lock().unwrap().accepted.len();
    let _second = start_serve(
        &["--mappings", dir.to_str().unwrap(), "--amqp", &amqp()],
        &[],
    );
    let started = Instant::now();
    loop {
        let distinct: std::collections::HashSet<String> =
            seen.lock().unwrap().accepted.iter().cloned().collect();
        if distinct.len() == n {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "{} of {n} delivered after the restart",
            distinct.len()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let total = seen.lock().unwrap().accepted.len();
    eprintln!(
        "kill -9 fault test: {n} published, killed after {at_kill} deliveries, {n} distinct delivered, {} duplicate deliveries",
        total - n
    );
    assert!(at_kill < n, "the kill came after everything was delivered");
    rt.block_on(async {
        for q in [
            queue.clone(),
            format!("{queue}.retry"),
            format!("{queue}.dlq"),
        ] {
            ch.queue_delete(q.as_str().into(), QueueDeleteOptions::default())
                .await
                .unwrap();
        }
    });
}

/// Fault test: the upstream fails (500s and timeouts) for its first 300
/// requests, then recovers; poison is mixed in; two bridges consume the
/// queue at once. Every valid message is delivered, every poison message
/// sits in the dead-letter queue.
#[test]
fn an_upstream_outage_poison_and_competing_consumers_lose_nothing() {
    let n: usize = std::env::var("SOAPBRIDGE_FAULT_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let queue = format!(
        "sbtest.outage.{}.{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    );
    let _cleanup = Cleanup(queue.clone());
    let (upstream, seen) = start_upstream();
    seen.lock().unwrap().outage = 300;
    let dir = scratch();
    write(
        &dir,
        "payments.yaml",
        &format!(
            "contract: {}/wsdl/bank-payments/payments.wsdl\nupstream:\n  base_url: http://127.0.0.1:{upstream}\n  timeout: 300ms\noperations:\n  NotifyPaymentEvent:\n    method: POST\n    path: /payment-events\n    queue:\n      name: {queue}\n      max_attempts: 20\n      retry_delay: 50ms\n      prefetch: 16\n",
            root().display()
        ),
    );
    let event = {
        let o = soapbridge(&[
            "convert",
            "wsdl/bank-payments/payments.wsdl",
            "--element",
            "NotifyPaymentEvent",
            "--to",
            "json",
            "wsdl/bank-payments/samples/NotifyPaymentEvent.xml",
        ]);
        stdout(&o).trim().to_string()
    };
    let _a = start_serve(
        &["--mappings", dir.to_str().unwrap(), "--amqp", &amqp()],
        &[],
    );
    let _b = start_serve(
        &["--mappings", dir.to_str().unwrap(), "--amqp", &amqp()],
        &[],
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let conn = Connection::connect(&amqp(), ConnectionProperties::default()).await.unwrap();
        let ch = conn.create_channel().await.unwrap();
        ch.confirm_select(ConfirmSelectOptions::default()).await.unwrap();
        // Both bridges consume before anything is published.
        wait_for_queue(&conn, &queue, Some(2)).await;
        // Every hundredth message is poison (breaks the contract).
        let mut confirms = Vec::new();
        let mut valid = 0;
        let mut poison = 0;
        for i in 0..n {
            let (id, body) = if i % 100 == 99 {
                poison += 1;
                (format!("poison-{i}"), br#"{"event":"not an event"}"#.to_vec())
            } else {
                valid += 1;
                (format!("o-{i}"), event.clone().into_bytes())
            };
            confirms.push(
                ch.basic_publish(
                    "".into(),
                    queue.as_str().into(),
                    BasicPublishOptions::default(),
                    &body,
                    BasicProperties::default().with_delivery_mode(2).with_message_id(id.as_str().into()),
                )
                .await
                .unwrap(),
            );
        }
        for c in confirms {
            assert!(matches!(c.await.unwrap(), Confirmation::Ack(_)));
        }
        let dlq = format!("{queue}.dlq");
        let mut dead: Vec<String> = Vec::new();
        let started = Instant::now();
        loop {
            while let Some(m) = ch
                .basic_get(dlq.as_str().into(), BasicGetOptions { no_ack: true })
                .await
                .unwrap()
            {
                dead.push(m.delivery.properties.message_id().as_ref().map(|s| s.to_string()).unwrap_or_default());
            }
            let delivered = seen
                .lock()
                .unwrap()
                .accepted
                .iter()
                .collect::<std::collections::HashSet<_>>()
                .len();
            if delivered >= valid && dead.len() >= poison {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "{delivered} of {valid} delivered, {} of {poison} dead letters",
                dead.len()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let s = seen.lock().unwrap().clone();
        let distinct: std::collections::HashSet<&String> = s.accepted.iter().collect();
        assert_eq!(distinct.len(), valid);
        assert!(distinct.iter().all(|id| id.starts_with("o-")));
        assert_eq!(dead.len(), poison);
        assert!(dead.iter().all(|id| id.starts_with("poison-")), "{dead:?}");
        let retried = s.tries.values().filter(|t| **t > 1).count();
        // Competing consumers share the work: each bridge delivered a part,
        // and together they account for every accepted delivery.
        // (The counter moves after the ack, a moment after the upstream
        // answered: poll briefly.)
        let counted = Instant::now();
        let per_bridge = loop {
            let per_bridge: Vec<u64> = [&_a, &_b]
                .iter()
                // (the blocking HTTP client may not run on a runtime thread)
                .map(|b| tokio::task::block_in_place(|| delivered_by(&b.url, &queue)))
                .collect();
            if per_bridge.iter().sum::<u64>() >= s.accepted.len() as u64
                || counted.elapsed() > Duration::from_secs(10)
            {
                break per_bridge;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        assert!(per_bridge.iter().all(|d| *d > 0), "one bridge did all the work: {per_bridge:?}");
        assert_eq!(per_bridge.iter().sum::<u64>(), s.accepted.len() as u64, "{per_bridge:?}");
        eprintln!(
            "outage fault test: {n} published ({poison} poison), 2 consumers (delivered {per_bridge:?}), upstream failing its first 300 requests (500s and timeouts): {} distinct delivered, {} duplicates, {retried} messages retried, {} dead-lettered",
            distinct.len(),
            s.accepted.len() - distinct.len(),
            dead.len()
        );
        for q in [queue.clone(), format!("{queue}.retry"), dlq] {
            ch.queue_delete(q.as_str().into(), QueueDeleteOptions::default()).await.unwrap();
        }
    });
}

/// What one bridge's `/metrics` says it delivered from `queue`.
fn delivered_by(bridge: &str, queue: &str) -> u64 {
    let m = crate::serve::http()
        .get(format!("{bridge}/metrics"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    let key = format!(r#"soapbridge_queue_delivered_total{{queue="{queue}"}} "#);
    m.lines()
        .find_map(|l| l.strip_prefix(key.as_str()))
        .map_or(0, |v| v.trim().parse().unwrap())
}

/// Graceful shutdown: SIGTERM while a delivery is in flight lets it finish
/// and be acked before the process exits, so it is not delivered twice.
#[test]
fn sigterm_finishes_and_acks_the_delivery_in_hand() {
    let queue = format!(
        "sbtest.term.{}.{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    );
    let _cleanup = Cleanup(queue.clone());
    let (upstream, seen) = start_upstream();
    seen.lock().unwrap().delay_ms = 800;
    let dir = scratch();
    write(
        &dir,
        "payments.yaml",
        &format!(
            "contract: {}/wsdl/bank-payments/payments.wsdl\nupstream:\n  base_url: http://127.0.0.1:{upstream}\noperations:\n  NotifyPaymentEvent:\n    method: POST\n    path: /payment-events\n    queue:\n      name: {queue}\n      prefetch: 1\n",
            root().display()
        ),
    );
    let event = {
        let o = soapbridge(&[
            "convert",
            "wsdl/bank-payments/payments.wsdl",
            "--element",
            "NotifyPaymentEvent",
            "--to",
            "json",
            "wsdl/bank-payments/samples/NotifyPaymentEvent.xml",
        ]);
        stdout(&o).trim().to_string()
    };
    let mut first = start_serve(
        &["--mappings", dir.to_str().unwrap(), "--amqp", &amqp()],
        &[],
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let conn = Connection::connect(&amqp(), ConnectionProperties::default())
            .await
            .unwrap();
        wait_for_queue(&conn, &queue, Some(1)).await;
        let ch = conn.create_channel().await.unwrap();
        ch.confirm_select(ConfirmSelectOptions::default())
            .await
            .unwrap();
        for i in 0..3 {
            ch.basic_publish(
                "".into(),
                queue.as_str().into(),
                BasicPublishOptions::default(),
                event.as_bytes(),
                BasicProperties::default()
                    .with_delivery_mode(2)
                    .with_message_id(format!("t-{i}").as_str().into()),
            )
            .await
            .unwrap()
            .await
            .unwrap();
        }
    });
    // The first delivery is at the (slow) upstream: stop the bridge now.
    let started = Instant::now();
    while !seen.lock().unwrap().tries.contains_key("t-0") {
        assert!(started.elapsed() < Duration::from_secs(20));
        std::thread::sleep(Duration::from_millis(10));
    }
    let pid = first.child.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = first.child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    assert_eq!(
        seen.lock().unwrap().accepted,
        ["t-0"],
        "the delivery in hand was finished"
    );
    drop(first);
    seen.lock().unwrap().delay_ms = 0;
    let _second = start_serve(
        &["--mappings", dir.to_str().unwrap(), "--amqp", &amqp()],
        &[],
    );
    let started = Instant::now();
    while seen.lock().unwrap().accepted.len() < 3 {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the rest was not delivered"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let s = seen.lock().unwrap().clone();
    assert_eq!(
        s.tries["t-0"], 1,
        "t-0 was acked before the exit, not redelivered"
    );
    let mut got = s.accepted.clone();
    got.sort();
    assert_eq!(got, ["t-0", "t-1", "t-2"]);
}

/// REST in -> queue -> SOAP backend: a JSON one-way call is accepted (202)
/// once the broker confirmed it, and a consumer delivers it to the SOAP
/// backend (here the bridge's own SOAP facade, which calls the upstream).
#[test]
fn a_rest_call_goes_through_the_queue_to_the_soap_backend() {
    let queue = format!(
        "sbtest.rest.{}.{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    );
    let _cleanup = Cleanup(queue.clone());
    let (upstream, seen) = start_upstream();
    let port = crate::serve::free_port();
    let dir = scratch();
    write(
        &dir,
        "soap.yaml",
        &format!(
            "contract: {}/wsdl/bank-payments/payments.wsdl\nupstream:\n  base_url: http://127.0.0.1:{upstream}\noperations:\n  NotifyPaymentEvent:\n    method: POST\n    path: /payment-events\n",
            root().display()
        ),
    );
    write(
        &dir,
        "rest.yaml",
        &format!(
            "contract: {}/wsdl/bank-payments/payments.wsdl\nflow: rest-to-soap\nupstream:\n  base_url: http://127.0.0.1:{port}/soap/PaymentService\noperations:\n  NotifyPaymentEvent:\n    publish:\n      queue: {queue}\n    queue:\n      name: {queue}\n      retry_delay: 100ms\n",
            root().display()
        ),
    );
    let bridge = crate::serve::start_serve_on(
        port,
        &["--mappings", dir.to_str().unwrap(), "--amqp", &amqp()],
        &[],
    );
    let event = {
        let o = soapbridge(&[
            "convert",
            "wsdl/bank-payments/payments.wsdl",
            "--element",
            "NotifyPaymentEvent",
            "--to",
            "json",
            "wsdl/bank-payments/samples/NotifyPaymentEvent.xml",
        ]);
        stdout(&o).trim().to_string()
    };
    let r = crate::serve::http()
        .post(format!(
            "{}/api/PaymentService/NotifyPaymentEvent",
            bridge.url
        ))
        .header("Content-Type", "application/json")
        .header("X-Request-Id", "rest-evt-1")
        .body(event)
        .send()
        .unwrap();
    assert_eq!(r.status(), 202, "{}", r.text().unwrap());
    let started = Instant::now();
    while !seen
        .lock()
        .unwrap()
        .accepted
        .contains(&"rest-evt-1".to_string())
    {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the event did not reach the upstream"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // Invalid JSON never reaches the queue.
    let r = crate::serve::http()
        .post(format!(
            "{}/api/PaymentService/NotifyPaymentEvent",
            bridge.url
        ))
        .header("Content-Type", "application/json")
        .body(r#"{"event":"nope"}"#)
        .send()
        .unwrap();
    assert_eq!(r.status(), 400);
}

/// Request/reply: a JSON request with `reply_to` and `correlation_id` on a
/// queue route of a rest-to-soap mapping; the SOAP backend's answer (or a
/// problem document for its fault) comes back on `reply_to`.
#[test]
fn request_reply_through_the_soap_backend() {
    let queue = format!(
        "sbtest.rpc.{}.{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    );
    let _cleanup = Cleanup(queue.clone());
    let replies = format!("{queue}.replies");
    let _cleanup_replies = Cleanup(replies.clone());
    let port = crate::serve::free_port();
    let demo = crate::serve::free_port();
    let dir = scratch();
    let contract = format!("{}/wsdl/bank-payments/payments.wsdl", root().display());
    write(
        &dir,
        "soap.yaml",
        &format!(
            "contract: {contract}\nupstream:\n  base_url: http://127.0.0.1:{demo}/bank\noperations:\n  GetPaymentStatus:\n    method: GET\n    path: /payments/{{paymentId}}/status\n    faults:\n      - status: 404\n        fault: PaymentNotFound\n"
        ),
    );
    write(
        &dir,
        "rest.yaml",
        &format!(
            "contract: {contract}\nflow: rest-to-soap\nupstream:\n  base_url: http://127.0.0.1:{port}/soap/PaymentService\noperations:\n  GetPaymentStatus:\n    faults:\n      - status: 404\n        fault: PaymentNotFound\n    queue:\n      name: {queue}\n"
        ),
    );
    let _bridge = crate::serve::start_serve_on(
        port,
        &[
            "--mappings",
            dir.to_str().unwrap(),
            "--amqp",
            &amqp(),
            "--demo",
            "--demo-listen",
            &format!("127.0.0.1:{demo}"),
        ],
        &[],
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let conn = Connection::connect(&amqp(), ConnectionProperties::default())
            .await
            .unwrap();
        wait_for_queue(&conn, &queue, Some(1)).await;
        let ch = conn.create_channel().await.unwrap();
        ch.confirm_select(ConfirmSelectOptions::default())
            .await
            .unwrap();
        ch.queue_declare(
            replies.as_str().into(),
            Default::default(),
            Default::default(),
        )
        .await
        .unwrap();
        let ask = |body: &'static str, corr: &'static str| {
            let ch = ch.clone();
            let (queue, replies) = (queue.clone(), replies.clone());
            async move {
                ch.basic_publish(
                    "".into(),
                    queue.as_str().into(),
                    BasicPublishOptions::default(),
                    body.as_bytes(),
                    BasicProperties::default()
                        .with_reply_to(replies.as_str().into())
                        .with_correlation_id(corr.into())
                        .with_message_id(corr.into()),
                )
                .await
                .unwrap()
                .await
                .unwrap();
            }
        };
        ask(r#"{"paymentId":"PMT-20240314-000042"}"#, "corr-1").await;
        ask(r#"{"paymentId":"PMT-20240314-999999"}"#, "corr-2").await;
        let mut got = std::collections::HashMap::new();
        let started = Instant::now();
        while got.len() < 2 {
            if let Some(m) = ch
                .basic_get(replies.as_str().into(), BasicGetOptions { no_ack: true })
                .await
                .unwrap()
            {
                let corr = m
                    .delivery
                    .properties
                    .correlation_id()
                    .as_ref()
                    .unwrap()
                    .to_string();
                let body: serde_json::Value = serde_json::from_slice(&m.delivery.data).unwrap();
                got.insert(corr, body);
            } else {
                assert!(
                    started.elapsed() < Duration::from_secs(20),
                    "replies: {got:?}"
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        assert_eq!(got["corr-1"]["paymentId"], "PMT-20240314-000042");
        assert_eq!(got["corr-1"]["status"], "SETTLED");
        assert_eq!(
            got["corr-2"]["type"], "urn:soapbridge:problem:soap-fault",
            "{:?}",
            got["corr-2"]
        );
        assert_eq!(got["corr-2"]["status"], 404);
        assert_eq!(got["corr-2"]["fault"]["name"], "PaymentNotFound");
        // A fault answered to its requester is not a dead letter.
        let dlq = ch
            .basic_get(
                format!("{queue}.dlq").as_str().into(),
                BasicGetOptions { no_ack: true },
            )
            .await
            .unwrap();
        assert!(dlq.is_none());
    });
}

/// Fan-out: one one-way SOAP call published to an exchange reaches two
/// queue routes, each delivering to its own upstream; one failing upstream
/// does not hold back the other.
#[test]
fn fan_out_reaches_every_bound_route_independently() {
    let tag = format!(
        "{}.{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    );
    let exchange = format!("sbtest.x.{tag}");
    let (qa, qb) = (format!("sbtest.fa.{tag}"), format!("sbtest.fb.{tag}"));
    let _ca = Cleanup(qa.clone());
    let _cb = Cleanup(qb.clone());
    let (up_a, seen_a) = start_upstream();
    let (up_b, seen_b) = start_upstream();
    seen_b.lock().unwrap().outage = 3;
    let dir = scratch();
    let contract = format!("{}/wsdl/bank-payments/payments.wsdl", root().display());
    write(
        &dir,
        "a.yaml",
        &format!(
            "contract: {contract}\nupstream:\n  base_url: http://127.0.0.1:{up_a}\n  timeout: 300ms\noperations:\n  NotifyPaymentEvent:\n    method: POST\n    path: /payment-events\n    publish:\n      exchange: {exchange}\n    queue:\n      name: {qa}\n      retry_delay: 50ms\n      bind:\n        exchange: {exchange}\n"
        ),
    );
    write(
        &dir,
        "b.yaml",
        &format!(
            "contract: {contract}\npath: /soap/PaymentServiceB\nupstream:\n  base_url: http://127.0.0.1:{up_b}\n  timeout: 300ms\noperations:\n  NotifyPaymentEvent:\n    method: POST\n    path: /payment-events\n    queue:\n      name: {qb}\n      retry_delay: 50ms\n      max_attempts: 10\n      bind:\n        exchange: {exchange}\n"
        ),
    );
    let bridge = start_serve(
        &["--mappings", dir.to_str().unwrap(), "--amqp", &amqp()],
        &[],
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let conn = Connection::connect(&amqp(), ConnectionProperties::default())
            .await
            .unwrap();
        wait_for_queue(&conn, &qa, Some(1)).await;
        wait_for_queue(&conn, &qb, Some(1)).await;
    });
    let body =
        std::fs::read_to_string(root().join("wsdl/bank-payments/samples/NotifyPaymentEvent.xml"))
            .unwrap();
    let body = body.trim_start_matches(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    let r = crate::serve::http()
        .post(format!("{}/soap/PaymentService", bridge.url))
        .header("Content-Type", "application/soap+xml")
        .header("X-Request-Id", "fan-1")
        .body(format!(
            r#"<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body>{body}</e:Body></e:Envelope>"#
        ))
        .send()
        .unwrap();
    assert_eq!(r.status(), 202, "{}", r.text().unwrap());
    let started = Instant::now();
    // A gets it at once, while B's upstream is still failing.
    while !seen_a
        .lock()
        .unwrap()
        .accepted
        .contains(&"fan-1".to_string())
    {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "route A did not get it"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    while !seen_b
        .lock()
        .unwrap()
        .accepted
        .contains(&"fan-1".to_string())
    {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "route B did not get it"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(seen_a.lock().unwrap().tries["fan-1"], 1);
    assert!(seen_b.lock().unwrap().tries["fan-1"] > 1, "B was retried");
    drop(bridge);
    rt.block_on(async {
        let conn = Connection::connect(&amqp(), ConnectionProperties::default())
            .await
            .unwrap();
        let ch = conn.create_channel().await.unwrap();
        ch.exchange_delete(exchange.as_str().into(), Default::default())
            .await
            .unwrap();
    });
}
