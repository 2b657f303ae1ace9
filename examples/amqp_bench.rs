//! RabbitMQ figures for BENCHMARKS.md, used by `scripts/bench-queue.sh`:
//!
//! ```text
//! amqp_bench publish AMQP_URL QUEUE N FILE       # plain lapin, confirms: pipelined, then one at a time
//! amqp_bench fill    AMQP_URL QUEUE N FILE       # N persistent messages (ids q-0 ...), confirmed
//! amqp_bench drain   AMQP_URL QUEUE TIMEOUT_S    # waits until QUEUE is empty; prints seconds
//! amqp_bench delete  AMQP_URL QUEUE...           # deletes queues (and their .retry, .dlq)
//! ```
//! FILE holds the message body. Output lines are `key value` pairs.

use std::time::{Duration, Instant};

use lapin::options::{
    BasicPublishOptions, ConfirmSelectOptions, QueueDeclareOptions, QueueDeleteOptions,
};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Channel, Confirmation, Connection, ConnectionProperties};

fn props(id: String) -> BasicProperties {
    BasicProperties::default()
        .with_delivery_mode(2)
        .with_message_id(id.as_str().into())
}

async fn channel(url: &str) -> (Connection, Channel) {
    let conn = Connection::connect(url, ConnectionProperties::default())
        .await
        .expect("connect to RabbitMQ");
    let ch = conn.create_channel().await.expect("channel");
    ch.confirm_select(ConfirmSelectOptions::default())
        .await
        .expect("confirms");
    (conn, ch)
}

/// Declared exactly as soapbridge declares a queue route's queue (same
/// arguments, or the broker refuses the second declaration).
async fn declare(ch: &Channel, queue: &str) {
    let args = soapbridge::queue::main_arguments(&soapbridge::mapping::QueueSettings {
        name: queue.to_string(),
        max_attempts: 5,
        retry_delay: Duration::from_secs(1),
        prefetch: 16,
        quorum: true,
        exchange: None,
    });
    ch.queue_declare(
        queue.into(),
        QueueDeclareOptions {
            durable: true,
            ..Default::default()
        },
        args,
    )
    .await
    .expect("declare");
}

/// Publishes `n` messages, all confirms awaited at the end (pipelined).
async fn pipelined(ch: &Channel, queue: &str, n: usize, body: &[u8], tag: &str) -> f64 {
    let started = Instant::now();
    let mut confirms = Vec::with_capacity(n);
    for i in 0..n {
        confirms.push(
            ch.basic_publish(
                "".into(),
                queue.into(),
                BasicPublishOptions::default(),
                body,
                props(format!("{tag}-{i}")),
            )
            .await
            .expect("publish"),
        );
    }
    for c in confirms {
        assert!(matches!(c.await.expect("confirm"), Confirmation::Ack(_)));
    }
    n as f64 / started.elapsed().as_secs_f64()
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let url = args.get(2).expect("AMQP_URL").clone();
    match args.get(1).map(String::as_str) {
        Some("publish") => {
            let (queue, n, file) = (&args[3], args[4].parse().expect("N"), &args[5]);
            let body = std::fs::read(file).expect("body");
            let (_c, ch) = channel(&url).await;
            declare(&ch, queue).await;
            let rate = pipelined(&ch, queue, n, &body, "p").await;
            println!("plain_pipelined_msgs_per_s {rate:.0}");
            let started = Instant::now();
            let one_by_one = n.min(2000);
            for i in 0..one_by_one {
                let c = ch
                    .basic_publish(
                        "".into(),
                        queue.as_str().into(),
                        BasicPublishOptions::default(),
                        &body,
                        props(format!("s-{i}")),
                    )
                    .await
                    .expect("publish")
                    .await
                    .expect("confirm");
                assert!(matches!(c, Confirmation::Ack(_)));
            }
            let rate = one_by_one as f64 / started.elapsed().as_secs_f64();
            println!("plain_sequential_msgs_per_s {rate:.0}");
        }
        Some("fill") => {
            let (queue, n, file) = (&args[3], args[4].parse().expect("N"), &args[5]);
            let body = std::fs::read(file).expect("body");
            let (_c, ch) = channel(&url).await;
            declare(&ch, queue).await;
            let rate = pipelined(&ch, queue, n, &body, "q").await;
            println!("filled {n} at {rate:.0} msgs/s");
        }
        Some("drain") => {
            let (queue, timeout) = (&args[3], args[4].parse::<u64>().expect("TIMEOUT_S"));
            let (conn, _ch) = channel(&url).await;
            let started = Instant::now();
            loop {
                let ch = conn.create_channel().await.expect("channel");
                let q = ch
                    .queue_declare(
                        queue.as_str().into(),
                        QueueDeclareOptions {
                            passive: true,
                            ..Default::default()
                        },
                        FieldTable::default(),
                    )
                    .await
                    .expect("queue");
                let _ = ch.close(200, "checked".into()).await;
                if q.message_count() == 0 {
                    break;
                }
                assert!(
                    started.elapsed() < Duration::from_secs(timeout),
                    "not drained"
                );
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            println!("drained_after_s {:.3}", started.elapsed().as_secs_f64());
        }
        Some("delete") => {
            let (_c, ch) = channel(&url).await;
            for q in &args[3..] {
                for name in [q.clone(), format!("{q}.retry"), format!("{q}.dlq")] {
                    let _ = ch
                        .queue_delete(name.as_str().into(), QueueDeleteOptions::default())
                        .await;
                }
            }
        }
        _ => panic!("usage: amqp_bench publish|fill|drain|delete AMQP_URL ..."),
    }
}
