//! Queue routes (flow C, first part): soapbridge consumes a RabbitMQ queue
//! whose messages are an operation's input message JSON, and delivers each
//! through that operation's REST route (flow A's machinery).
//!
//! At least once, nothing lost: a message is acked only after the upstream
//! accepted it (2xx), or after its retry or dead letter is confirmed by the
//! broker. Retries never block a consumer: a failed message is republished
//! to `{queue}.retry` with a per-message TTL (exponential backoff), whose
//! dead-letter route leads back to `{queue}`. After `max_attempts`, or at
//! once for poison (not JSON, breaks the contract, a 4xx upstream answer),
//! it is republished to `{queue}.dlq` with headers saying why. Anything
//! that cannot be confirmed is nacked with requeue, never dropped.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::StreamExt;
use lapin::options::{
    BasicConsumeOptions, BasicNackOptions, BasicPublishOptions, BasicQosOptions,
    ConfirmSelectOptions, QueueDeclareOptions,
};
use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};
use lapin::{BasicProperties, Channel, Confirmation, Connection};

use crate::mapping::QueueSettings;
use crate::serve::fault::Party;
use crate::serve::{Entry, Facade, State};

pub mod broker;
pub mod memory;
pub use broker::Broker;
pub use memory::Memory;

/// Message headers soapbridge keeps on retried and dead-lettered messages.
pub const ATTEMPTS: &str = "x-soapbridge-attempts";
pub const ERROR: &str = "x-soapbridge-error";
pub const FIRST_FAILURE: &str = "x-soapbridge-first-failure";
pub const LAST_FAILURE: &str = "x-soapbridge-last-failure";

/// One consumed queue and the route its messages are delivered through.
pub struct QueueRoute {
    pub facade: usize,
    pub port: usize,
    pub entry: usize,
    pub settings: QueueSettings,
}

/// The queue routes of the loaded mappings (each operation once, first port).
pub fn routes(state: &State) -> Vec<QueueRoute> {
    let mut out: Vec<QueueRoute> = Vec::new();
    for (i, f) in state.facades.iter().enumerate() {
        for (j, p) in f.ports.iter().enumerate() {
            for (k, e) in p.entries.iter().enumerate() {
                if let Some(q) = &e.route.queue
                    && !out.iter().any(|r| r.settings.name == q.name)
                {
                    out.push(QueueRoute {
                        facade: i,
                        port: j,
                        entry: k,
                        settings: q.clone(),
                    });
                }
            }
        }
    }
    out
}

/// Consumes every queue route until the process stops, reconnecting with
/// backoff when the broker goes away.
pub async fn run(state: Arc<State>, amqp: Broker, shutdown: tokio::sync::watch::Receiver<bool>) {
    let routes = routes(&state);
    if routes.is_empty() {
        return;
    }
    let mut handles = Vec::new();
    for route in routes {
        let state = state.clone();
        let amqp = amqp.clone();
        let shutdown = shutdown.clone();
        handles.push(tokio::spawn(async move {
            consume_forever(state, amqp, route, shutdown).await
        }));
    }
    for h in handles {
        let _ = h.await;
    }
}

/// Consumes until `shutdown` turns true: then the delivery in hand is
/// finished and settled (acked, retried or dead-lettered) before returning.
async fn consume_forever(
    state: Arc<State>,
    amqp: Broker,
    route: QueueRoute,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    const FIRST: Duration = Duration::from_millis(200);
    // At most this long between attempts: once the broker is back, the
    // consumer resumes within seconds, however long the outage was.
    const MOST: Duration = Duration::from_secs(5);
    let mut backoff = FIRST;
    loop {
        if *shutdown.borrow() {
            return;
        }
        let mut consuming = false;
        let result = consume(&state, &amqp, &route, &mut shutdown, &mut consuming).await;
        if consuming {
            // It connected and consumed: a later outage starts afresh.
            backoff = FIRST;
        }
        match result {
            Ok(()) if *shutdown.borrow() => {
                tracing::info!(queue = %route.settings.name, "stopped consuming");
                return;
            }
            Ok(()) => backoff = FIRST,
            Err(e) => {
                tracing::warn!(queue = %route.settings.name, error = %e, retry_in_ms = backoff.as_millis() as u64, "queue consumer stopped; reconnecting");
                tokio::select! {
                    _ = tokio::time::sleep(backoff) => {}
                    _ = shutdown.changed() => return,
                }
                backoff = (backoff * 2).min(MOST);
            }
        }
    }
}

fn table(entries: &[(&str, AMQPValue)]) -> FieldTable {
    let mut t = FieldTable::default();
    for (k, v) in entries {
        t.insert(ShortString::from(*k), v.clone());
    }
    t
}

fn text(s: &str) -> AMQPValue {
    AMQPValue::LongString(LongString::from(s.as_bytes().to_vec()))
}

/// Declares a durable fanout or topic exchange (idempotent).
pub async fn declare_exchange(
    channel: &Channel,
    x: &crate::mapping::Exchange,
) -> lapin::Result<()> {
    let kind = if x.topic {
        lapin::ExchangeKind::Topic
    } else {
        lapin::ExchangeKind::Fanout
    };
    channel
        .exchange_declare(
            x.name.as_str().into(),
            kind,
            lapin::options::ExchangeDeclareOptions {
                durable: true,
                ..Default::default()
            },
            FieldTable::default(),
        )
        .await
}

/// Redeliveries the broker allows before it dead-letters a message itself
/// (a consumer crashing on it again and again). soapbridge counts attempts
/// on its own and dead-letters explicitly long before; this limit is set
/// explicitly so that RabbitMQ 4's silent default (20, then drop without a
/// dead-letter exchange) never applies.
pub const DELIVERY_LIMIT: i64 = 50;

/// The main queue's arguments: its type, and for quorum queues an explicit
/// delivery limit whose dead letters go, at least once, to `{name}.dlq`.
pub fn main_arguments(q: &QueueSettings) -> FieldTable {
    if !q.quorum {
        return table(&[("x-queue-type", text("classic"))]);
    }
    table(&[
        ("x-queue-type", text("quorum")),
        ("x-delivery-limit", AMQPValue::LongLongInt(DELIVERY_LIMIT)),
        ("x-dead-letter-exchange", text("")),
        (
            "x-dead-letter-routing-key",
            text(&format!("{}.dlq", q.name)),
        ),
        ("x-dead-letter-strategy", text("at-least-once")),
        ("x-overflow", text("reject-publish")),
    ])
}

/// Declares the queue, its retry queue and its dead-letter queue (idempotent).
pub async fn declare(channel: &Channel, q: &QueueSettings) -> lapin::Result<()> {
    let durable = QueueDeclareOptions {
        durable: true,
        ..QueueDeclareOptions::default()
    };
    let kind = |quorum: bool| text(if quorum { "quorum" } else { "classic" });
    channel
        .queue_declare(q.name.as_str().into(), durable, main_arguments(q))
        .await?;
    if let Some(x) = &q.exchange {
        declare_exchange(channel, x).await?;
        channel
            .queue_bind(
                q.name.as_str().into(),
                x.name.as_str().into(),
                x.key.as_str().into(),
                lapin::options::QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await?;
    }
    // Expired retries go back to the main queue through the default exchange.
    channel
        .queue_declare(
            format!("{}.retry", q.name).as_str().into(),
            durable,
            table(&[
                ("x-queue-type", kind(false)),
                ("x-dead-letter-exchange", text("")),
                ("x-dead-letter-routing-key", text(&q.name)),
            ]),
        )
        .await?;
    channel
        .queue_declare(
            format!("{}.dlq", q.name).as_str().into(),
            durable,
            table(&[("x-queue-type", kind(q.quorum))]),
        )
        .await?;
    Ok(())
}

async fn consume(
    state: &State,
    amqp: &Broker,
    route: &QueueRoute,
    shutdown: &mut tokio::sync::watch::Receiver<bool>,
    consuming: &mut bool,
) -> lapin::Result<()> {
    let conn = amqp.connect().await?;
    let channel = conn.create_channel().await?;
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await?;
    channel
        .basic_qos(route.settings.prefetch, BasicQosOptions::default())
        .await?;
    declare(&channel, &route.settings).await?;
    let mut consumer = channel
        .basic_consume(
            route.settings.name.as_str().into(),
            format!("soapbridge-{}", std::process::id()).as_str().into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await?;
    tracing::info!(queue = %route.settings.name, "consuming");
    *consuming = true;
    // Queue depths for /metrics: now, then every 10 s while consuming.
    let depths = {
        let ch = conn.create_channel().await?;
        let name = route.settings.name.clone();
        tokio::spawn(async move {
            loop {
                for q in [name.clone(), format!("{name}.retry"), format!("{name}.dlq")] {
                    let passive = QueueDeclareOptions {
                        passive: true,
                        ..QueueDeclareOptions::default()
                    };
                    match ch
                        .queue_declare(q.as_str().into(), passive, FieldTable::default())
                        .await
                    {
                        Ok(state) => metrics::gauge!("soapbridge_queue_depth", "queue" => q)
                            .set(f64::from(state.message_count())),
                        Err(_) => return, // the channel is gone with the connection
                    }
                }
                tokio::time::sleep(Duration::from_secs(10)).await;
            }
        })
    };
    let facade = &state.facades[route.facade];
    let entry = &facade.ports[route.port].entries[route.entry];
    loop {
        // Shutdown is looked at between deliveries only: the one in hand is
        // always delivered and settled first.
        let delivery = tokio::select! {
            d = consumer.next() => d,
            _ = shutdown.changed() => None,
        };
        let Some(delivery) = delivery else {
            break;
        };
        let delivery = delivery?;
        if delivery.redelivered {
            metrics::counter!("soapbridge_queue_redelivered_total", "queue" => route.settings.name.clone())
                .increment(1);
        }
        let id = message_id(&delivery);
        let wants_reply = delivery.properties.reply_to().is_some();
        let outcome = deliver(state, facade, entry, &delivery.data, &id, wants_reply).await;
        // An ack or confirm under way when the connection drops may never
        // resolve (lapin): settling gives up once the channel is gone, and
        // the broker redelivers the unacked message.
        tokio::select! {
            r = settle(&channel, &route.settings, &delivery, outcome) => r?,
            _ = gone(&channel) => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionAborted,
                    "the connection was lost while settling a delivery",
                )
                .into());
            }
        }
    }
    depths.abort();
    // Unacked prefetched messages go back to the queue when the channel closes.
    let _ = channel.close(200, "shutting down".into()).await;
    let _ = conn.close(200, "shutting down".into()).await;
    Ok(())
}

/// Resolves once `channel` is closed or failed with its connection.
async fn gone(channel: &Channel) {
    while channel.status().connected() {
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// What became of one delivery. `reply` is what a request/reply caller
/// (`reply_to`) gets: the output message JSON or a problem document.
enum Outcome {
    Delivered {
        reply: Option<Vec<u8>>,
    },
    /// Worth another try later (the upstream failed or timed out); the
    /// reply is sent only once the attempts are used up.
    Retry {
        why: String,
        reply: Option<Vec<u8>>,
    },
    /// Never deliverable as it is (poison, or the upstream refused it).
    Poison {
        why: String,
        reply: Option<Vec<u8>>,
    },
}

/// A problem document as a reply body.
fn problem_reply(
    status: u16,
    slug: &'static str,
    title: &str,
    detail: String,
    id: &str,
) -> Vec<u8> {
    crate::serve::problem::Problem::new(status, slug, title)
        .detail(detail)
        .to_json("", id)
        .to_string()
        .into_bytes()
}

fn header<'a>(d: &'a lapin::message::Delivery, name: &str) -> Option<&'a AMQPValue> {
    d.properties
        .headers()
        .as_ref()
        .and_then(|h| h.inner().get(&ShortString::from(name)))
}

fn attempts(d: &lapin::message::Delivery) -> u32 {
    match header(d, ATTEMPTS) {
        Some(AMQPValue::LongLongInt(n)) => (*n).clamp(1, u32::MAX as i64) as u32,
        Some(AMQPValue::LongInt(n)) => (*n).max(1) as u32,
        _ => 1,
    }
}

/// The message's id: its `message_id`, else a digest of its body (so a
/// republished copy keeps the same idempotency key).
fn message_id(d: &lapin::message::Delivery) -> String {
    if let Some(id) = d.properties.message_id() {
        return id.to_string();
    }
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    d.data.hash(&mut h);
    format!("sha-{:016x}", h.finish())
}

/// Delivers one message (`data`, the operation's input message JSON) to
/// the route's upstream. Shared by the broker and the in-process queue.
async fn deliver(
    state: &State,
    facade: &Facade,
    entry: &Entry,
    data: &[u8],
    id: &str,
    wants_reply: bool,
) -> Outcome {
    let poison = |why: String, status: u16, slug: &'static str| Outcome::Poison {
        reply: wants_reply.then(|| {
            problem_reply(
                status,
                slug,
                "The request cannot be delivered",
                why.clone(),
                id,
            )
        }),
        why,
    };
    let Ok(message) = serde_json::from_slice::<serde_json::Value>(data) else {
        return poison("the message is not JSON".into(), 400, "invalid-json");
    };
    // Validate against the contract exactly as a SOAP request would be.
    if let Err(e) = facade.codec.json_to_envelope(
        &entry.input,
        data,
        std::io::sink(),
        &crate::codec::Options::default(),
    ) {
        let why = match e {
            crate::codec::TranslateError::Invalid(errors) => {
                let pointers: Vec<String> = errors.iter().take(5).map(|e| e.to_string()).collect();
                format!("the message breaks the contract: {}", pointers.join("; "))
            }
            other => format!("the message cannot be translated: {other}"),
        };
        return poison(why, 400, "invalid-request");
    }
    let caller = crate::serve::upstream::Caller {
        id,
        traceparent: None,
        idempotency_key: Some(id),
    };
    if facade.mapping.flow == crate::mapping::Flow::RestToSoap {
        // To a SOAP backend: a Client/Sender fault or 4xx is final, the rest is retried.
        return match crate::serve::rest::deliver_queued(state, facade, entry, data, &caller).await {
            Ok(json) => Outcome::Delivered {
                reply: json.map(String::into_bytes),
            },
            // The backend's final answer: a requester gets it as its reply.
            Err(p) if p.status < 500 && wants_reply => Outcome::Delivered {
                reply: Some((*p).to_json("", id).to_string().into_bytes()),
            },
            Err(p) if p.status < 500 => Outcome::Poison {
                why: format!("{} ({})", p.title, p.status),
                reply: None,
            },
            Err(p) => Outcome::Retry {
                why: format!("{} ({})", p.title, p.status),
                reply: wants_reply.then(|| (*p).to_json("", id).to_string().into_bytes()),
            },
        };
    }
    match crate::serve::upstream::call(state, facade, entry, &message, &caller).await {
        Ok(json) => Outcome::Delivered {
            reply: wants_reply.then(|| json.to_string().into_bytes()),
        },
        Err(f) if f.party == Party::Client => poison(f.reason, 400, "upstream-refused"),
        Err(f) => Outcome::Retry {
            reply: wants_reply.then(|| {
                problem_reply(
                    502,
                    "upstream-error",
                    "The upstream failed",
                    f.reason.clone(),
                    id,
                )
            }),
            why: f.reason,
        },
    }
}

/// How long a message waits after its `n`th failed attempt: the route's
/// retry delay, doubled per attempt (capped at 2^16 times).
pub fn backoff(q: &QueueSettings, n: u32) -> Duration {
    q.retry_delay
        .saturating_mul(1 << n.saturating_sub(1).min(16))
}

fn now_text() -> String {
    let s = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    s.to_string()
}

/// Publishes a reply to the delivery's `reply_to` (default exchange) with
/// its `correlation_id`, and waits for the confirm. `true` when there is
/// nowhere to reply or the broker confirmed.
async fn send_reply(channel: &Channel, d: &lapin::message::Delivery, body: &[u8]) -> bool {
    let Some(to) = d.properties.reply_to() else {
        return true;
    };
    let mut props = BasicProperties::default()
        .with_content_type("application/json".into())
        .with_message_id(message_id(d).as_str().into());
    if let Some(c) = d.properties.correlation_id() {
        props = props.with_correlation_id(c.clone());
    }
    match channel
        .basic_publish(
            "".into(),
            to.as_str().into(),
            BasicPublishOptions::default(),
            body,
            props,
        )
        .await
    {
        Ok(confirm) => matches!(confirm.await, Ok(Confirmation::Ack(_))),
        Err(_) => false,
    }
}

/// Acks, or republishes (retry or dead letter, confirmed) and then acks;
/// nacks with requeue when the broker did not confirm.
async fn settle(
    channel: &Channel,
    q: &QueueSettings,
    d: &lapin::message::Delivery,
    outcome: Outcome,
) -> lapin::Result<()> {
    let n = attempts(d);
    let (target, why, expiration, reply) = match outcome {
        Outcome::Delivered { reply } => {
            if let Some(r) = reply
                && !send_reply(channel, d, &r).await
            {
                // The requester would never hear back: try again later.
                d.nack(BasicNackOptions {
                    requeue: true,
                    ..Default::default()
                })
                .await?;
                return Ok(());
            }
            d.ack(Default::default()).await?;
            metrics::counter!("soapbridge_queue_delivered_total", "queue" => q.name.clone())
                .increment(1);
            return Ok(());
        }
        Outcome::Retry { why, .. } if n < q.max_attempts => {
            let delay = backoff(q, n);
            (
                format!("{}.retry", q.name),
                why,
                Some(delay.as_millis().to_string()),
                None,
            )
        }
        Outcome::Retry { why, reply } => (
            format!("{}.dlq", q.name),
            format!("{why} (after {n} attempts)"),
            None,
            reply,
        ),
        Outcome::Poison { why, reply } => (format!("{}.dlq", q.name), why, None, reply),
    };
    if let Some(r) = reply
        && !send_reply(channel, d, &r).await
    {
        d.nack(BasicNackOptions {
            requeue: true,
            ..Default::default()
        })
        .await?;
        return Ok(());
    }
    let first = match header(d, FIRST_FAILURE) {
        Some(AMQPValue::LongString(s)) => String::from_utf8_lossy(s.as_bytes()).into_owned(),
        _ => now_text(),
    };
    let mut headers = d.properties.headers().clone().unwrap_or_default();
    headers.insert(ATTEMPTS.into(), AMQPValue::LongLongInt(i64::from(n) + 1));
    headers.insert(ERROR.into(), text(&why));
    headers.insert(FIRST_FAILURE.into(), text(&first));
    headers.insert(LAST_FAILURE.into(), text(&now_text()));
    let mut props = BasicProperties::default()
        .with_delivery_mode(2)
        .with_content_type("application/json".into())
        .with_message_id(message_id(d).as_str().into())
        .with_headers(headers);
    if let Some(ms) = &expiration {
        props = props.with_expiration(ms.as_str().into());
    }
    let confirmed = match channel
        .basic_publish(
            "".into(),
            target.as_str().into(),
            // Mandatory: an unroutable copy comes back instead of vanishing.
            BasicPublishOptions {
                mandatory: true,
                ..BasicPublishOptions::default()
            },
            &d.data,
            props,
        )
        .await
    {
        Ok(confirm) => matches!(confirm.await, Ok(Confirmation::Ack(None))),
        Err(_) => false,
    };
    if confirmed {
        d.ack(Default::default()).await?;
        let kind = if expiration.is_some() {
            "retried"
        } else {
            "dead_lettered"
        };
        metrics::counter!("soapbridge_queue_messages_total", "queue" => q.name.clone(), "outcome" => kind).increment(1);
        tracing::info!(queue = %q.name, to = %target, attempts = n, reason = %why, "message moved");
    } else {
        // Not safely elsewhere: give it back to the queue, never drop it.
        d.nack(BasicNackOptions {
            requeue: true,
            ..Default::default()
        })
        .await?;
    }
    Ok(())
}

/// Where the bridge's `publish` routes put messages: RabbitMQ (`--amqp`),
/// or without a broker the in-process queue.
pub enum Publisher {
    Amqp(Box<AmqpPublisher>),
    Memory(Arc<Memory>),
}

impl Publisher {
    /// Whether a publish can succeed now: the readiness of a deployment
    /// that publishes. The in-process queue is always ready.
    pub async fn ready(&self) -> bool {
        match self {
            Publisher::Amqp(p) => p.ready().await,
            Publisher::Memory(_) => true,
        }
    }

    /// Publishes `body` with the message id `id` to `q` (a queue, or an
    /// exchange), answering only once it is safely stored (for RabbitMQ:
    /// confirmed), within a few seconds at most.
    pub async fn publish(
        &self,
        q: &QueueSettings,
        id: &str,
        body: &[u8],
    ) -> Result<(), PublishError> {
        match self {
            Publisher::Amqp(p) => p.publish(q, id, body).await,
            Publisher::Memory(m) => m.publish(q, id, body),
        }
    }
}

/// Publishes messages with confirms over one lazily (re)opened channel.
/// Every call is bounded in time: a broker that is away is an error at
/// once, never a hang.
pub struct AmqpPublisher {
    broker: Broker,
    channel: tokio::sync::Mutex<Option<(Connection, Channel)>>,
    declared: tokio::sync::Mutex<Vec<String>>,
}

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("the message broker is unavailable")]
    Unavailable,
    #[error("the message broker did not confirm the message (no queue may be bound)")]
    NotConfirmed,
    #[error("the in-process queue is full")]
    Full,
    #[error("no queue is bound to the exchange the message is published to")]
    NoRoute,
}

impl AmqpPublisher {
    pub fn new(broker: Broker) -> AmqpPublisher {
        AmqpPublisher {
            broker,
            channel: tokio::sync::Mutex::new(None),
            declared: tokio::sync::Mutex::new(Vec::new()),
        }
    }

    /// Whether the broker answers (connecting if needed), within 2 s: the
    /// readiness of a deployment that publishes.
    pub async fn ready(&self) -> bool {
        let check = async {
            let mut guard = self.channel.lock().await;
            if matches!(&*guard, Some((c, ch)) if c.status().connected() && ch.status().connected())
            {
                return true;
            }
            let Ok(conn) = self.broker.connect().await else {
                return false;
            };
            let Ok(ch) = conn.create_channel().await else {
                return false;
            };
            if ch
                .confirm_select(ConfirmSelectOptions::default())
                .await
                .is_err()
            {
                return false;
            }
            *guard = Some((conn, ch));
            self.declared.lock().await.clear();
            true
        };
        tokio::time::timeout(Duration::from_secs(2), check)
            .await
            .unwrap_or(false)
    }

    /// Publishes `body` persistently to `q` (declared on first use) and
    /// waits for the broker's confirm.
    pub async fn publish(
        &self,
        q: &QueueSettings,
        id: &str,
        body: &[u8],
    ) -> Result<(), PublishError> {
        let limit = Duration::from_secs(5);
        tokio::time::timeout(limit, self.publish_inner(q, id, body))
            .await
            .map_err(|_| PublishError::Unavailable)?
    }

    async fn publish_inner(
        &self,
        q: &QueueSettings,
        id: &str,
        body: &[u8],
    ) -> Result<(), PublishError> {
        let mut guard = self.channel.lock().await;
        let healthy =
            matches!(&*guard, Some((c, ch)) if c.status().connected() && ch.status().connected());
        if !healthy {
            let conn = self
                .broker
                .connect()
                .await
                .map_err(|_| PublishError::Unavailable)?;
            let ch = conn
                .create_channel()
                .await
                .map_err(|_| PublishError::Unavailable)?;
            ch.confirm_select(ConfirmSelectOptions::default())
                .await
                .map_err(|_| PublishError::Unavailable)?;
            *guard = Some((conn, ch));
            self.declared.lock().await.clear();
        }
        let ch = guard.as_ref().expect("opened above").1.clone();
        let (exchange, key, label) = match &q.exchange {
            Some(x) => (
                x.name.clone(),
                x.key.clone(),
                format!("exchange {}", x.name),
            ),
            None => (String::new(), q.name.clone(), q.name.clone()),
        };
        {
            let mut declared = self.declared.lock().await;
            if !declared.contains(&label) {
                let r = match &q.exchange {
                    Some(x) => declare_exchange(&ch, x).await,
                    None => declare(&ch, q).await,
                };
                r.map_err(|_| PublishError::Unavailable)?;
                declared.push(label.clone());
            }
        }
        // Confirms are awaited without the lock: publishes pipeline on the
        // channel, each caller waiting only for its own confirm.
        drop(guard);
        let props = BasicProperties::default()
            .with_delivery_mode(2)
            .with_content_type("application/json".into())
            .with_message_id(id.into());
        let confirm = ch
            .basic_publish(
                exchange.as_str().into(),
                key.as_str().into(),
                // Mandatory: with no queue bound, the broker says so.
                BasicPublishOptions {
                    mandatory: true,
                    ..BasicPublishOptions::default()
                },
                body,
                props,
            )
            .await
            .map_err(|_| PublishError::Unavailable)?
            .await
            .map_err(|_| PublishError::Unavailable)?;
        match confirm {
            Confirmation::Ack(None) => {
                metrics::counter!("soapbridge_queue_published_total", "queue" => label.clone())
                    .increment(1);
                Ok(())
            }
            _ => Err(PublishError::NotConfirmed),
        }
    }
}

/// A message in a dead-letter queue, as `soapbridge dlq` shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DeadLetter {
    pub message_id: String,
    pub attempts: u32,
    pub error: String,
    pub first_failure: String,
    pub last_failure: String,
    pub body: String,
}

fn header_text(h: Option<&AMQPValue>) -> String {
    match h {
        Some(AMQPValue::LongString(s)) => String::from_utf8_lossy(s.as_bytes()).into_owned(),
        Some(other) => format!("{other:?}"),
        None => String::new(),
    }
}

/// The dead letters of `queue` (its `{queue}.dlq`), left in place: they are
/// read without acknowledging and go back when the channel closes.
pub async fn dlq_list(broker: &Broker, queue: &str) -> lapin::Result<Vec<DeadLetter>> {
    let conn = broker.connect().await?;
    let ch = conn.create_channel().await?;
    let dlq = format!("{queue}.dlq");
    let mut out = Vec::new();
    while let Some(m) = ch
        .basic_get(
            dlq.as_str().into(),
            lapin::options::BasicGetOptions { no_ack: false },
        )
        .await?
    {
        let d = &m.delivery;
        out.push(DeadLetter {
            message_id: message_id(d),
            attempts: attempts(d).saturating_sub(1),
            error: header_text(header(d, ERROR)),
            first_failure: header_text(header(d, FIRST_FAILURE)),
            last_failure: header_text(header(d, LAST_FAILURE)),
            body: String::from_utf8_lossy(&d.data).into_owned(),
        });
    }
    // Unacknowledged: closing puts every message back, in order.
    ch.close(200, "listed".into()).await?;
    conn.close(200, "listed".into()).await?;
    Ok(out)
}

/// Moves dead letters of `queue` (all, or the one with `id`) back to the
/// queue with a fresh attempt count: each is republished with a confirm,
/// then removed from the dead-letter queue. Returns how many moved.
pub async fn dlq_replay(broker: &Broker, queue: &str, id: Option<&str>) -> lapin::Result<usize> {
    let conn = broker.connect().await?;
    let ch = conn.create_channel().await?;
    ch.confirm_select(ConfirmSelectOptions::default()).await?;
    let dlq = format!("{queue}.dlq");
    let mut moved = 0;
    let mut keep = Vec::new();
    while let Some(m) = ch
        .basic_get(
            dlq.as_str().into(),
            lapin::options::BasicGetOptions { no_ack: false },
        )
        .await?
    {
        let d = m.delivery;
        if id.is_some_and(|want| message_id(&d) != want) {
            keep.push(d);
            continue;
        }
        let props = BasicProperties::default()
            .with_delivery_mode(2)
            .with_content_type("application/json".into())
            .with_message_id(message_id(&d).as_str().into());
        let confirm = ch
            .basic_publish(
                "".into(),
                queue.into(),
                BasicPublishOptions {
                    mandatory: true,
                    ..BasicPublishOptions::default()
                },
                &d.data,
                props,
            )
            .await?
            .await?;
        if matches!(confirm, Confirmation::Ack(None)) {
            d.ack(Default::default()).await?;
            moved += 1;
        } else {
            keep.push(d);
        }
    }
    for d in keep {
        d.nack(BasicNackOptions {
            requeue: true,
            ..Default::default()
        })
        .await?;
    }
    ch.close(200, "replayed".into()).await?;
    conn.close(200, "replayed".into()).await?;
    Ok(moved)
}
