//! The in-process queue: queue routes without a broker (`serve` with no
//! `--amqp`), so that the shipped examples show flow C with nothing else
//! installed.
//!
//! **Not durable.** Messages live in this process's memory only: whatever
//! is queued, waiting for a retry or dead-lettered when the process stops
//! is gone (the count is logged at exit). Everything else behaves as on
//! RabbitMQ, so a mapping moves to a broker unchanged: a publish is
//! answered only once the message is queued (never when the queue is full:
//! then the caller gets a 503 / `Receiver` fault and sends again), messages
//! are delivered one at a time per queue through the same delivery code as
//! the broker's consumer (validation, `Idempotency-Key`, poison detection),
//! failures wait out the same exponential backoff without blocking the
//! queue, and after `max_attempts` a message moves to `{name}.dlq` with its
//! reason. Fanout and topic exchanges route to the queues bound to them;
//! a publish that reaches no queue is refused, as with `mandatory`.
//!
//! Memory is bounded: at most [`MAX_BYTES`] across every queue (dead
//! letters included, each message charged its size plus a fixed overhead)
//! and [`MAX_MESSAGES`] ready messages per queue.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::{DeadLetter, Outcome, PublishError, QueueRoute, backoff, deliver, now_text, routes};
use crate::mapping::QueueSettings;
use crate::serve::State;

/// Bytes the in-process queue holds at most, across all queues.
pub const MAX_BYTES: usize = 64 << 20;
/// Ready messages one in-process queue holds at most.
pub const MAX_MESSAGES: usize = 10_000;
/// What a message costs beyond its body (id, headers, bookkeeping), so
/// that many tiny messages are bounded too.
const OVERHEAD: usize = 256;

/// One message and what happened to it so far.
#[derive(Debug, Clone)]
struct Message {
    id: String,
    body: Vec<u8>,
    /// Attempts so far (0 before the first delivery).
    attempts: u32,
    error: String,
    first_failure: String,
    last_failure: String,
}

impl Message {
    fn cost(&self) -> usize {
        self.body.len() + self.id.len() + OVERHEAD
    }
}

/// One queue: ready messages, and how many wait out a retry delay.
struct Slot {
    name: String,
    items: Mutex<VecDeque<Message>>,
    ready: tokio::sync::Notify,
    waiting: AtomicUsize,
}

impl Slot {
    fn new(name: &str) -> Slot {
        Slot {
            name: name.to_owned(),
            items: Mutex::new(VecDeque::new()),
            ready: tokio::sync::Notify::new(),
            waiting: AtomicUsize::new(0),
        }
    }

    fn len(&self) -> usize {
        self.items.lock().expect("queue lock").len()
    }

    fn gauge(&self, len: usize) {
        metrics::gauge!("soapbridge_queue_depth", "queue" => self.name.clone()).set(len as f64);
    }

    fn push(&self, m: Message) {
        let len = {
            let mut items = self.items.lock().expect("queue lock");
            items.push_back(m);
            items.len()
        };
        self.gauge(len);
        self.ready.notify_one();
    }

    /// The next ready message, waiting for one if there is none.
    async fn pop(&self) -> Message {
        loop {
            // Registered before looking, so a push in between is not missed
            // (`notify_one` leaves a permit when nobody waits yet).
            let notified = self.ready.notified();
            let popped = {
                let mut items = self.items.lock().expect("queue lock");
                items.pop_front().map(|m| (m, items.len()))
            };
            if let Some((m, len)) = popped {
                self.gauge(len);
                return m;
            }
            notified.await;
        }
    }
}

/// A queue's binding to an exchange.
struct Binding {
    queue: String,
    key: String,
    topic: bool,
}

/// The in-process broker: named queues (each with its `.dlq`) and the
/// exchanges queue routes bind to.
pub struct Memory {
    queues: Mutex<HashMap<String, Arc<Slot>>>,
    exchanges: Mutex<HashMap<String, Vec<Binding>>>,
    held: AtomicUsize,
    max_bytes: usize,
    max_messages: usize,
}

impl Default for Memory {
    fn default() -> Self {
        Memory::new(MAX_BYTES, MAX_MESSAGES)
    }
}

impl Memory {
    pub fn new(max_bytes: usize, max_messages: usize) -> Memory {
        Memory {
            queues: Mutex::new(HashMap::new()),
            exchanges: Mutex::new(HashMap::new()),
            held: AtomicUsize::new(0),
            max_bytes,
            max_messages,
        }
    }

    fn slot(&self, name: &str) -> Arc<Slot> {
        self.queues
            .lock()
            .expect("queues lock")
            .entry(name.to_owned())
            .or_insert_with(|| Arc::new(Slot::new(name)))
            .clone()
    }

    /// Declares a queue route's queue, its dead-letter queue and its
    /// binding (idempotent). Done for every route before anything is
    /// served, so that a publish to an exchange finds its queues bound.
    pub fn declare(&self, q: &QueueSettings) {
        self.slot(&q.name);
        self.slot(&format!("{}.dlq", q.name));
        if let Some(x) = &q.exchange {
            let mut exchanges = self.exchanges.lock().expect("exchanges lock");
            let bindings = exchanges.entry(x.name.clone()).or_default();
            if !bindings.iter().any(|b| b.queue == q.name) {
                bindings.push(Binding {
                    queue: q.name.clone(),
                    key: x.key.clone(),
                    topic: x.topic,
                });
            }
        }
    }

    /// Queues `body` on `q` (or on every queue bound to its exchange that
    /// the routing key reaches). All or nothing: refused when any target is
    /// full, or when an exchange reaches no queue.
    pub fn publish(&self, q: &QueueSettings, id: &str, body: &[u8]) -> Result<(), PublishError> {
        let targets: Vec<Arc<Slot>> = match &q.exchange {
            Some(x) => {
                let exchanges = self.exchanges.lock().expect("exchanges lock");
                let names: Vec<String> = exchanges
                    .get(&x.name)
                    .into_iter()
                    .flatten()
                    .filter(|b| !b.topic || topic_matches(&b.key, &x.key))
                    .map(|b| b.queue.clone())
                    .collect();
                drop(exchanges);
                names.iter().map(|n| self.slot(n)).collect()
            }
            None => vec![self.slot(&q.name)],
        };
        if targets.is_empty() {
            return Err(PublishError::NoRoute);
        }
        let message = Message {
            id: id.to_owned(),
            body: body.to_vec(),
            attempts: 0,
            error: String::new(),
            first_failure: String::new(),
            last_failure: String::new(),
        };
        let cost = message.cost() * targets.len();
        if targets.iter().any(|t| t.len() >= self.max_messages) || !self.reserve(cost) {
            return Err(PublishError::Full);
        }
        for t in &targets {
            t.push(message.clone());
        }
        let label = match &q.exchange {
            Some(x) => format!("exchange {}", x.name),
            None => q.name.clone(),
        };
        metrics::counter!("soapbridge_queue_published_total", "queue" => label).increment(1);
        Ok(())
    }

    /// Takes `cost` bytes of the budget, if they are there.
    fn reserve(&self, cost: usize) -> bool {
        self.held
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |held| {
                held.checked_add(cost).filter(|&n| n <= self.max_bytes)
            })
            .is_ok()
    }

    fn release(&self, cost: usize) {
        self.held.fetch_sub(cost, Ordering::AcqRel);
    }

    /// Messages held: ready, waiting for a retry, or dead-lettered.
    pub fn held_messages(&self) -> usize {
        let queues = self.queues.lock().expect("queues lock");
        queues
            .values()
            .map(|s| s.len() + s.waiting.load(Ordering::Acquire))
            .sum()
    }

    /// The dead letters of `queue`, oldest first (they stay where they are).
    pub fn dead_letters(&self, queue: &str) -> Vec<DeadLetter> {
        let slot = self.slot(&format!("{queue}.dlq"));
        let items = slot.items.lock().expect("queue lock");
        items
            .iter()
            .map(|m| DeadLetter {
                message_id: m.id.clone(),
                attempts: m.attempts,
                error: m.error.clone(),
                first_failure: m.first_failure.clone(),
                last_failure: m.last_failure.clone(),
                body: String::from_utf8_lossy(&m.body).into_owned(),
            })
            .collect()
    }

    /// Settles one delivered message: done, back after its backoff, or to
    /// the dead-letter queue.
    fn settle(&self, q: &QueueSettings, slot: &Arc<Slot>, mut m: Message, outcome: Outcome) {
        m.attempts += 1;
        let (why, retry) = match outcome {
            Outcome::Delivered { .. } => {
                self.release(m.cost());
                metrics::counter!("soapbridge_queue_delivered_total", "queue" => q.name.clone())
                    .increment(1);
                return;
            }
            Outcome::Retry { why, .. } if m.attempts < q.max_attempts => (why, true),
            Outcome::Retry { why, .. } => (format!("{why} (after {} attempts)", m.attempts), false),
            Outcome::Poison { why, .. } => (why, false),
        };
        let now = now_text();
        if m.first_failure.is_empty() {
            m.first_failure = now.clone();
        }
        m.last_failure = now;
        m.error = why;
        if retry {
            let delay = backoff(q, m.attempts);
            metrics::counter!("soapbridge_queue_messages_total", "queue" => q.name.clone(), "outcome" => "retried").increment(1);
            tracing::info!(queue = %q.name, id = %m.id, attempts = m.attempts, reason = %m.error, retry_in_ms = delay.as_millis() as u64, "message will be retried");
            wait_then_push(slot.clone(), m, delay);
        } else {
            metrics::counter!("soapbridge_queue_messages_total", "queue" => q.name.clone(), "outcome" => "dead_lettered").increment(1);
            tracing::warn!(queue = %q.name, id = %m.id, attempts = m.attempts, reason = %m.error, "message dead-lettered (in-process)");
            self.slot(&format!("{}.dlq", q.name)).push(m);
        }
    }
}

/// Puts `m` back on its queue after `delay`, without holding up the queue.
fn wait_then_push(slot: Arc<Slot>, m: Message, delay: Duration) {
    let waiting = slot.waiting.fetch_add(1, Ordering::AcqRel) + 1;
    metrics::gauge!("soapbridge_queue_depth", "queue" => format!("{}.retry", slot.name))
        .set(waiting as f64);
    tokio::spawn(async move {
        tokio::time::sleep(delay).await;
        let waiting = slot.waiting.fetch_sub(1, Ordering::AcqRel) - 1;
        metrics::gauge!("soapbridge_queue_depth", "queue" => format!("{}.retry", slot.name))
            .set(waiting as f64);
        slot.push(m);
    });
}

/// AMQP topic matching: words separated by `.`, `*` is exactly one word,
/// `#` zero or more.
fn topic_matches(pattern: &str, key: &str) -> bool {
    fn go(p: &[&str], k: &[&str]) -> bool {
        match p.split_first() {
            None => k.is_empty(),
            Some((&"#", rest)) => (0..=k.len()).any(|i| go(rest, &k[i..])),
            Some((&w, rest)) => k
                .split_first()
                .is_some_and(|(&kw, krest)| (w == "*" || w == kw) && go(rest, krest)),
        }
    }
    let p: Vec<&str> = pattern.split('.').collect();
    let k: Vec<&str> = if key.is_empty() {
        Vec::new()
    } else {
        key.split('.').collect()
    };
    go(&p, &k)
}

/// Consumes every queue route from the in-process queue until `shutdown`
/// turns true; the delivery in hand is finished and settled first.
pub async fn run(
    state: Arc<State>,
    memory: Arc<Memory>,
    shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let mut handles = Vec::new();
    for route in routes(&state) {
        let (state, memory, shutdown) = (state.clone(), memory.clone(), shutdown.clone());
        handles.push(tokio::spawn(async move {
            consume(&state, &memory, &route, shutdown).await
        }));
    }
    for h in handles {
        let _ = h.await;
    }
    let left = memory.held_messages();
    if left > 0 {
        tracing::warn!(
            messages = left,
            "the in-process queue is not durable: messages still queued, waiting for a retry or dead-lettered are dropped at exit"
        );
    }
}

async fn consume(
    state: &State,
    memory: &Memory,
    route: &QueueRoute,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let slot = memory.slot(&route.settings.name);
    let facade = &state.facades[route.facade];
    let entry = &facade.ports[route.port].entries[route.entry];
    tracing::info!(queue = %route.settings.name, "consuming the in-process queue");
    loop {
        if *shutdown.borrow() {
            break;
        }
        let m = tokio::select! {
            m = slot.pop() => m,
            _ = shutdown.changed() => continue,
        };
        let outcome = deliver(state, facade, entry, &m.body, &m.id, false).await;
        memory.settle(&route.settings, &slot, m, outcome);
    }
    tracing::info!(queue = %route.settings.name, "stopped consuming");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::Exchange;

    fn settings(name: &str, exchange: Option<Exchange>) -> QueueSettings {
        QueueSettings {
            name: name.into(),
            max_attempts: 3,
            retry_delay: Duration::from_millis(10),
            prefetch: 1,
            quorum: true,
            exchange,
        }
    }

    #[test]
    fn topic_patterns_match_as_amqp_does() {
        assert!(topic_matches("orders.*", "orders.created"));
        assert!(!topic_matches("orders.*", "orders.created.eu"));
        assert!(topic_matches("orders.#", "orders.created.eu"));
        assert!(topic_matches("orders.#", "orders"));
        assert!(topic_matches("#", ""));
        assert!(topic_matches("*.created", "orders.created"));
        assert!(!topic_matches("*.created", "created"));
        assert!(topic_matches("a.#.z", "a.b.c.z"));
        assert!(!topic_matches("a.#.z", "a.b.c"));
    }

    #[tokio::test]
    async fn messages_come_out_in_order_and_the_budget_is_kept() {
        let m = Memory::new(3 * (OVERHEAD + 10), 100);
        let q = settings("q", None);
        m.declare(&q);
        for i in 0..3 {
            m.publish(&q, &format!("id{i}"), b"{}").unwrap();
        }
        // The byte budget is used up: a fourth is refused, not dropped later.
        assert!(matches!(
            m.publish(&q, "id3", b"{}"),
            Err(PublishError::Full)
        ));
        let slot = m.slot("q");
        assert_eq!(slot.pop().await.id, "id0");
        assert_eq!(slot.pop().await.id, "id1");
        assert_eq!(m.held_messages(), 1);
    }

    #[test]
    fn a_queue_holds_at_most_max_messages() {
        let m = Memory::new(MAX_BYTES, 2);
        let q = settings("q", None);
        m.publish(&q, "a", b"1").unwrap();
        m.publish(&q, "b", b"2").unwrap();
        assert!(matches!(m.publish(&q, "c", b"3"), Err(PublishError::Full)));
    }

    #[test]
    fn exchanges_route_to_bound_queues_or_refuse() {
        let m = Memory::default();
        let x = |key: &str, topic: bool| Exchange {
            name: "orders".into(),
            topic,
            key: key.into(),
        };
        m.declare(&settings("invoicing", Some(x("orders.#", true))));
        m.declare(&settings("eu-only", Some(x("orders.*.eu", true))));
        let publish = QueueSettings {
            name: String::new(),
            ..settings("", Some(x("orders.created.us", true)))
        };
        m.publish(&publish, "1", b"{}").unwrap();
        assert_eq!(m.slot("invoicing").len(), 1);
        assert_eq!(m.slot("eu-only").len(), 0);
        let nowhere = QueueSettings {
            exchange: Some(Exchange {
                name: "nobody-binds".into(),
                topic: false,
                key: String::new(),
            }),
            ..settings("", None)
        };
        assert!(matches!(
            m.publish(&nowhere, "2", b"{}"),
            Err(PublishError::NoRoute)
        ));
    }

    #[tokio::test]
    async fn failures_are_retried_after_a_delay_then_dead_lettered() {
        let m = Memory::default();
        let q = settings("q", None);
        m.declare(&q);
        m.publish(&q, "id", br#"{"a":1}"#).unwrap();
        let slot = m.slot("q");
        for attempt in 1..=3 {
            let msg = slot.pop().await;
            assert_eq!(msg.attempts, attempt - 1);
            m.settle(
                &q,
                &slot,
                msg,
                Outcome::Retry {
                    why: "upstream 500".into(),
                    reply: None,
                },
            );
        }
        let dead = m.dead_letters("q");
        assert_eq!(dead.len(), 1);
        assert_eq!(dead[0].attempts, 3);
        assert_eq!(dead[0].error, "upstream 500 (after 3 attempts)");
        assert!(!dead[0].first_failure.is_empty());
        assert_eq!(slot.len(), 0);
        m.settle(
            &q,
            &slot,
            Message {
                id: "p".into(),
                body: b"x".to_vec(),
                attempts: 0,
                error: String::new(),
                first_failure: String::new(),
                last_failure: String::new(),
            },
            Outcome::Poison {
                why: "the message is not JSON".into(),
                reply: None,
            },
        );
        assert_eq!(m.dead_letters("q")[1].error, "the message is not JSON");
    }
}
