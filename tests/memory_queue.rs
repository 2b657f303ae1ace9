//! Queue routes without a broker: the in-process queue (`serve` with no
//! `--amqp`) runs the same routes as RabbitMQ does: publish, deliver,
//! retry with backoff, dead-letter, fan-out, against a real REST upstream
//! on loopback.

use std::time::{Duration, Instant};

use crate::queue::{Shared, start_upstream};
use crate::serve::{http, start_serve};
use crate::util::*;

fn event_envelope() -> String {
    let body =
        std::fs::read_to_string(root().join("wsdl/bank-payments/samples/NotifyPaymentEvent.xml"))
            .unwrap();
    let body = body.trim_start_matches(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    format!(
        r#"<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body>{body}</e:Body></e:Envelope>"#
    )
}

fn notify(url: &str, id: &str) -> (u16, String) {
    let r = http()
        .post(url)
        .header("Content-Type", "application/soap+xml")
        .header("X-Request-Id", id)
        .body(event_envelope())
        .send()
        .unwrap();
    (r.status().as_u16(), r.text().unwrap())
}

fn wait_until(what: &str, limit: Duration, done: impl Fn() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < limit, "timed out waiting: {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn tries(seen: &Shared, id: &str) -> u32 {
    seen.lock().unwrap().tries.get(id).copied().unwrap_or(0)
}

fn metric(metrics: &str, line_start: &str) -> Option<f64> {
    metrics
        .lines()
        .find(|l| l.starts_with(line_start))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

#[test]
fn without_a_broker_queue_routes_deliver_retry_and_dead_letter_in_process() {
    let (upstream, seen) = start_upstream();
    let dir = scratch();
    write(
        &dir,
        "payments.yaml",
        &format!(
            "contract: {}/wsdl/bank-payments/payments.wsdl\nupstream:\n  base_url: http://127.0.0.1:{upstream}\n  timeout: 2s\noperations:\n  NotifyPaymentEvent:\n    method: POST\n    path: /payment-events\n    publish:\n      queue: events\n    queue:\n      name: events\n      max_attempts: 3\n      retry_delay: 50ms\n",
            root().display()
        ),
    );
    let bridge = start_serve(&["--mappings", dir.to_str().unwrap()], &[]);
    let url = format!("{}/soap/PaymentService", bridge.url);
    let ready = http().get(format!("{}/readyz", bridge.url)).send().unwrap();
    assert_eq!(ready.status(), 200);
    // m-3 and m-4 fail twice then succeed, m-7 always fails, m-8 is refused
    // with a 422 (poison: never retried); the others succeed at once.
    for i in 1..=10 {
        let (code, body) = notify(&url, &format!("m-{i}"));
        assert_eq!(code, 202, "{body}");
    }
    let upstream_done = || {
        let s = seen.lock().unwrap();
        s.accepted.len() == 8 && s.tries.get("m-7") == Some(&3)
    };
    wait_until(
        "8 accepted and m-7 tried 3 times",
        Duration::from_secs(20),
        upstream_done,
    );
    let mut accepted = seen.lock().unwrap().accepted.clone();
    accepted.sort();
    let mut want: Vec<String> = [1, 2, 3, 4, 5, 6, 9, 10]
        .iter()
        .map(|i| format!("m-{i}"))
        .collect();
    want.sort();
    assert_eq!(accepted, want);
    assert_eq!(tries(&seen, "m-3"), 3, "two failures, then delivered");
    assert_eq!(tries(&seen, "m-8"), 1, "a 4xx is final");
    assert_eq!(tries(&seen, "m-1"), 1);
    // The dead letters are counted and sit in `events.dlq`.
    let metrics_text = || {
        http()
            .get(format!("{}/metrics", bridge.url))
            .send()
            .unwrap()
            .text()
            .unwrap()
    };
    wait_until(
        "the dead letters are counted",
        Duration::from_secs(5),
        || {
            metric(
                &metrics_text(),
                r#"soapbridge_queue_depth{queue="events.dlq"}"#,
            ) == Some(2.0)
        },
    );
    let m = metrics_text();
    assert_eq!(
        metric(&m, r#"soapbridge_queue_delivered_total{queue="events"}"#),
        Some(8.0),
        "{m}"
    );
    assert_eq!(
        metric(&m, r#"soapbridge_queue_published_total{queue="events"}"#),
        Some(10.0),
        "{m}"
    );
    assert_eq!(
        metric(
            &m,
            r#"soapbridge_queue_messages_total{queue="events",outcome="dead_lettered"}"#
        ),
        Some(2.0),
        "{m}"
    );
    // m-3, m-4: two retries each; m-7: two retries before the dead letter.
    assert_eq!(
        metric(
            &m,
            r#"soapbridge_queue_messages_total{queue="events",outcome="retried"}"#
        ),
        Some(6.0),
        "{m}"
    );
    assert_eq!(
        metric(&m, r#"soapbridge_queue_depth{queue="events"}"#),
        Some(0.0),
        "{m}"
    );
}

#[test]
fn without_a_broker_fan_out_reaches_every_bound_route_independently() {
    let (up_a, seen_a) = start_upstream();
    let (up_b, seen_b) = start_upstream();
    seen_b.lock().unwrap().outage = 3;
    let dir = scratch();
    let contract = format!("{}/wsdl/bank-payments/payments.wsdl", root().display());
    write(
        &dir,
        "a.yaml",
        &format!(
            "contract: {contract}\nupstream:\n  base_url: http://127.0.0.1:{up_a}\n  timeout: 300ms\noperations:\n  NotifyPaymentEvent:\n    method: POST\n    path: /payment-events\n    publish:\n      exchange: payments.events\n      exchange_type: topic\n      routing_key: payments.settled.eu\n    queue:\n      name: to-a\n      retry_delay: 50ms\n      bind:\n        exchange: payments.events\n        exchange_type: topic\n        routing_key: payments.#\n"
        ),
    );
    write(
        &dir,
        "b.yaml",
        &format!(
            "contract: {contract}\npath: /soap/PaymentServiceB\nupstream:\n  base_url: http://127.0.0.1:{up_b}\n  timeout: 300ms\noperations:\n  NotifyPaymentEvent:\n    method: POST\n    path: /payment-events\n    queue:\n      name: to-b\n      retry_delay: 50ms\n      max_attempts: 10\n      bind:\n        exchange: payments.events\n        exchange_type: topic\n        routing_key: payments.*.eu\n"
        ),
    );
    // Publishes to an exchange nothing is bound to: refused, never lost.
    write(
        &dir,
        "c.yaml",
        &format!(
            "contract: {contract}\npath: /soap/PaymentServiceC\nupstream:\n  base_url: http://127.0.0.1:{up_a}\noperations:\n  NotifyPaymentEvent:\n    method: POST\n    path: /payment-events\n    publish:\n      exchange: nobody.listens\n"
        ),
    );
    let bridge = start_serve(&["--mappings", dir.to_str().unwrap()], &[]);
    let (code, body) = notify(&format!("{}/soap/PaymentService", bridge.url), "fan-1");
    assert_eq!(code, 202, "{body}");
    let got = |seen: &Shared| seen.lock().unwrap().accepted.contains(&"fan-1".into());
    // A gets it at once, while B's upstream is still failing.
    wait_until("route A delivers", Duration::from_secs(10), || got(&seen_a));
    wait_until("route B delivers", Duration::from_secs(20), || got(&seen_b));
    assert_eq!(tries(&seen_a, "fan-1"), 1);
    assert!(tries(&seen_b, "fan-1") > 1, "B was retried");

    let (code, body) = notify(&format!("{}/soap/PaymentServiceC", bridge.url), "lost-1");
    assert_eq!(code, 500, "{body}");
    assert!(body.contains("Receiver"), "{body}");
    assert!(body.contains("send it again"), "{body}");
}
