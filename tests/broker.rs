//! Fault tests that stop the broker. They never touch the shared RabbitMQ
//! on 5672: each starts a throwaway node of its own ([`Rabbit`]) with its
//! own node name, ports and data directory, and stops it when done.

use std::collections::HashSet;
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lapin::options::{BasicGetOptions, BasicPublishOptions, ConfirmSelectOptions};
use lapin::types::{AMQPValue, ShortString};
use lapin::{BasicProperties, Confirmation, Connection, ConnectionProperties};

use crate::queue::{start_upstream, wait_for_queue};
use crate::serve::{free_port, http, start_serve};
use crate::util::*;

/// A throwaway RabbitMQ node: its own `RABBITMQ_NODENAME`, AMQP and
/// distribution ports, config, plugins file (none: no management or
/// prometheus listener) and data directory, all in a temp dir. It can be
/// stopped and started again on the same data, so durable queues and
/// persistent messages survive. Dropping it kills the node and removes the
/// temp dir, also when the test panics.
pub(crate) struct Rabbit {
    pub node: String,
    pub port: u16,
    dist_port: u16,
    dir: PathBuf,
    /// `rabbitmq-server` (a shell that runs the Erlang VM as its child),
    /// leader of its own process group.
    child: Option<Child>,
}

/// The real start script (the one in /usr/sbin switches to the rabbitmq
/// user when run as root, and that user could not write our temp dir).
fn rabbitmq_server() -> PathBuf {
    let packaged = PathBuf::from("/usr/lib/rabbitmq/bin/rabbitmq-server");
    if packaged.exists() {
        return packaged;
    }
    PathBuf::from("rabbitmq-server")
}

/// Sends `signal` to `pid`, or with `group` to its whole process group.
fn signal(signal: &str, pid: u32, group: bool) {
    let target = if group {
        format!("-{pid}")
    } else {
        pid.to_string()
    };
    let _ = Command::new("kill")
        .args([signal, "--", &target])
        .stderr(Stdio::null())
        .status();
}

impl Rabbit {
    /// Starts a fresh node and waits until it accepts AMQP connections.
    pub fn start() -> Rabbit {
        Rabbit::start_with(|_| String::new())
    }

    /// [`Rabbit::start`] with more `rabbitmq.conf` lines (given a free
    /// port for them to use, e.g. a TLS listener).
    pub fn start_with(extra: impl Fn(u16) -> String) -> Rabbit {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let node = format!(
            "sbtest-{}-{}@localhost",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let dir = std::env::temp_dir().join(node.replace('@', "-"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("rabbit temp dir");
        let port = free_port();
        let mut dist_port = free_port();
        while dist_port == port {
            dist_port = free_port();
        }
        // Our own config: the system one listens on 5672.
        let mut extra_port = free_port();
        while extra_port == port || extra_port == dist_port {
            extra_port = free_port();
        }
        write(
            &dir,
            "rabbitmq.conf",
            &format!(
                "listeners.tcp.local = 127.0.0.1:{port}\n{}",
                extra(extra_port)
            ),
        );
        write(&dir, "enabled_plugins", "[].\n");
        write(&dir, "rabbitmq-env.conf", "");
        let mut rabbit = Rabbit {
            node,
            port,
            dist_port,
            dir,
            child: None,
        };
        rabbit.start_again();
        rabbit
    }

    pub fn url(&self) -> String {
        format!("amqp://guest:guest@127.0.0.1:{}/%2f", self.port)
    }

    /// Starts the node (again, on the same data) and waits until its AMQP
    /// port answers. Returns how long that took.
    pub fn start_again(&mut self) -> Duration {
        assert!(self.child.is_none(), "{} is running", self.node);
        let d = |name: &str| self.dir.join(name);
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(d("server.log"))
            .expect("rabbit log");
        let mut cmd = Command::new(rabbitmq_server());
        // Nothing from the environment or /etc/rabbitmq applies.
        for (k, _) in std::env::vars() {
            if k.starts_with("RABBITMQ_") {
                cmd.env_remove(k);
            }
        }
        cmd.env("RABBITMQ_NODENAME", &self.node)
            .env("RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1")
            .env("RABBITMQ_NODE_PORT", self.port.to_string())
            .env("RABBITMQ_DIST_PORT", self.dist_port.to_string())
            .env("RABBITMQ_BASE", &self.dir)
            .env("RABBITMQ_CONFIG_FILE", d("rabbitmq.conf"))
            .env("RABBITMQ_ADVANCED_CONFIG_FILE", d("advanced.config"))
            .env("RABBITMQ_CONF_ENV_FILE", d("rabbitmq-env.conf"))
            .env("RABBITMQ_ENABLED_PLUGINS_FILE", d("enabled_plugins"))
            .env("RABBITMQ_MNESIA_BASE", d("mnesia"))
            .env("RABBITMQ_LOG_BASE", d("log"))
            .env("RABBITMQ_PID_FILE", d("pid"))
            // A mark for `ps`, so a leftover node is easy to find.
            .env(
                "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS",
                format!("-soapbridge_test {}", self.node),
            )
            .env("ERL_EPMD_ADDRESS", "127.0.0.1")
            // The Erlang cookie is written to $HOME.
            .env("HOME", &self.dir)
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("rabbit log"))
            .stderr(log)
            .process_group(0);
        let started = Instant::now();
        self.child = Some(cmd.spawn().expect("start rabbitmq-server"));
        loop {
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return started.elapsed();
            }
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                self.child = None;
                panic!(
                    "{} exited while starting ({status}): {}",
                    self.node,
                    self.log_tail()
                );
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "{} did not start in 60 s: {}",
                self.node,
                self.log_tail()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops the node the way `rabbitmqctl stop` or a service manager
    /// does (SIGTERM: connections are closed, queues shut down cleanly)
    /// and waits until it is gone. Returns how long that took.
    pub fn stop(&mut self) -> Duration {
        let started = Instant::now();
        let Some(mut child) = self.child.take() else {
            return Duration::ZERO;
        };
        // The start script traps TERM and stops the VM, then exits.
        signal("-TERM", child.id(), false);
        loop {
            if child.try_wait().ok().flatten().is_some() {
                break;
            }
            if started.elapsed() > Duration::from_secs(30) {
                signal("-KILL", child.id(), true);
                let _ = child.wait();
                panic!("{} did not stop in 30 s: {}", self.node, self.log_tail());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        // Anything the VM left behind (port programs) goes too.
        signal("-KILL", child.id(), true);
        started.elapsed()
    }

    /// Kills the node at once (SIGKILL to its whole process group).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            signal("-KILL", child.id(), true);
            let _ = child.wait();
        }
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }
}

impl Drop for Rabbit {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Reads every dead letter of `queue` (taking them off the queue): message
/// id and the reason soapbridge recorded.
async fn drain_dead_letters(ch: &lapin::Channel, queue: &str, into: &mut Vec<(String, String)>) {
    let dlq = format!("{queue}.dlq");
    while let Some(m) = ch
        .basic_get(dlq.as_str().into(), BasicGetOptions { no_ack: true })
        .await
        .unwrap()
    {
        let p = &m.delivery.properties;
        let id = p
            .message_id()
            .as_ref()
            .map(|s| s.to_string())
            .unwrap_or_default();
        let why = p
            .headers()
            .as_ref()
            .and_then(|h| {
                h.inner()
                    .get(&ShortString::from(soapbridge::queue::ERROR))
                    .cloned()
            })
            .map(|v| match v {
                AMQPValue::LongString(s) => String::from_utf8_lossy(s.as_bytes()).into_owned(),
                other => format!("{other:?}"),
            })
            .unwrap_or_default();
        into.push((id, why));
    }
}

/// What the SOAP client saw while sending one-way calls through the
/// bridge's `publish:` route.
#[derive(Default)]
struct Calls {
    /// Ids the bridge accepted (202): each must reach the upstream.
    accepted: Vec<String>,
    /// Faults answered (the broker was away), and the slowest of them.
    faults: usize,
    slowest_fault: Duration,
}

/// Fault test: the broker goes away mid-stream twice, a clean stop
/// (SIGTERM) and then a crash (SIGKILL), each time kept down for a few
/// seconds and started again on the same data. On the consumer side, messages
/// published before the stop are all delivered (at least once, duplicates
/// with the same id) or dead-lettered with their reason; on the publish
/// side, a SOAP client keeps sending one-way calls: during the outage each
/// gets a fault within seconds (never a hang) and is sent again, and every
/// call that was accepted reaches the upstream. `/readyz` says 503 while
/// the broker is down and 200 once it is back.
#[test]
fn the_broker_stopped_and_started_mid_stream_loses_nothing() {
    let test_started = Instant::now();
    // 2,000 in CI; SOAPBRIDGE_FAULT_MESSAGES=10000 for a longer run.
    let n: usize = std::env::var("SOAPBRIDGE_FAULT_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let mut rabbit = Rabbit::start();
    let first_start = test_started.elapsed();
    let amqp = rabbit.url();
    let queue = "sbtest.restart";
    let (upstream, seen) = start_upstream();
    let dir = scratch();
    write(
        &dir,
        "payments.yaml",
        &format!(
            "contract: {}/wsdl/bank-payments/payments.wsdl\nupstream:\n  base_url: http://127.0.0.1:{upstream}\noperations:\n  NotifyPaymentEvent:\n    method: POST\n    path: /payment-events\n    publish:\n      queue: {queue}\n    queue:\n      name: {queue}\n      retry_delay: 100ms\n      prefetch: 32\n",
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
    // The consumer's reconnects are logged; one warning per refused call is not.
    let bridge = start_serve(
        &["--mappings", dir.to_str().unwrap(), "--amqp", &amqp],
        &[(
            "SOAPBRIDGE_LOG",
            "warn,soapbridge::serve::soap=error".into(),
        )],
    );
    let rt = tokio::runtime::Runtime::new().unwrap();

    // The consumer side: n messages in the queue, every hundredth poison.
    let mut valid: HashSet<String> = HashSet::new();
    let mut poison: HashSet<String> = HashSet::new();
    rt.block_on(async {
        let conn = Connection::connect(&amqp, ConnectionProperties::default())
            .await
            .unwrap();
        wait_for_queue(&conn, queue, Some(1)).await;
        let ch = conn.create_channel().await.unwrap();
        ch.confirm_select(ConfirmSelectOptions::default())
            .await
            .unwrap();
        let mut confirms = Vec::with_capacity(n);
        for i in 0..n {
            let (id, body) = if i % 100 == 99 {
                poison.insert(format!("poison-{i}"));
                (
                    format!("poison-{i}"),
                    br#"{"event":"not an event"}"#.to_vec(),
                )
            } else {
                valid.insert(format!("c-{i}"));
                (format!("c-{i}"), event.clone().into_bytes())
            };
            confirms.push(
                ch.basic_publish(
                    "".into(),
                    queue.into(),
                    BasicPublishOptions::default(),
                    &body,
                    BasicProperties::default()
                        .with_delivery_mode(2)
                        .with_message_id(id.as_str().into()),
                )
                .await
                .unwrap(),
            );
        }
        for c in confirms {
            assert!(matches!(c.await.unwrap(), Confirmation::Ack(_)));
        }
        let _ = conn.close(200, "published".into()).await;
    });

    // The publish side: one-way SOAP calls, one after the other, until told
    // to stop; a fault is answered quickly and the call is sent again.
    let body =
        std::fs::read_to_string(root().join("wsdl/bank-payments/samples/NotifyPaymentEvent.xml"))
            .unwrap();
    let body = body.trim_start_matches(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    let envelope = format!(
        r#"<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body>{body}</e:Body></e:Envelope>"#
    );
    let calls = Arc::new(Mutex::new(Calls::default()));
    let stop_calling = Arc::new(AtomicBool::new(false));
    let client = {
        let (calls, stop, url) = (calls.clone(), stop_calling.clone(), bridge.url.clone());
        std::thread::spawn(move || {
            let client = http();
            for i in 0.. {
                if stop.load(Ordering::Relaxed) {
                    return;
                }
                let id = format!("s-{i}");
                loop {
                    let started = Instant::now();
                    let r = client
                        .post(format!("{url}/soap/PaymentService"))
                        .header("Content-Type", "application/soap+xml")
                        .header("X-Request-Id", &id)
                        .body(envelope.clone())
                        .send()
                        .unwrap_or_else(|e| {
                            panic!("{id}: no answer after {:?}: {e}", started.elapsed())
                        });
                    let took = started.elapsed();
                    let status = r.status().as_u16();
                    let text = r.text().unwrap();
                    if status == 202 {
                        calls.lock().unwrap().accepted.push(id);
                        break;
                    }
                    assert!(
                        status == 500
                            && text.contains("soap:Receiver")
                            && text.contains("message broker"),
                        "{id}: {status} {text}"
                    );
                    assert!(
                        took < Duration::from_secs(6),
                        "{id}: a fault after {took:?}"
                    );
                    {
                        let mut c = calls.lock().unwrap();
                        c.faults += 1;
                        c.slowest_fault = c.slowest_fault.max(took);
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        })
    };

    // Take the broker away twice mid-stream: a clean stop, then a crash.
    let accepted = |seen: &crate::queue::Shared| -> HashSet<String> {
        seen.lock().unwrap().accepted.iter().cloned().collect()
    };
    let delivered = |seen: &crate::queue::Shared| accepted(seen).intersection(&valid).count();
    let mut outages = Vec::new();
    for (k, how) in ["stopped (SIGTERM)", "killed (SIGKILL)"]
        .into_iter()
        .enumerate()
    {
        let started = Instant::now();
        while delivered(&seen) < valid.len() * (k + 1) / 5 {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "no progress before the broker was {how}"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        let at_stop = delivered(&seen);
        let faults_before = calls.lock().unwrap().faults;
        let down_since = Instant::now();
        let stopping = if k == 0 {
            rabbit.stop()
        } else {
            rabbit.kill();
            down_since.elapsed()
        };
        let at_down = delivered(&seen);
        // Down: /readyz says so, each answer within the 2 s readiness bound.
        let t = Instant::now();
        loop {
            let asked = Instant::now();
            let status = http()
                .get(format!("{}/readyz", bridge.url))
                .send()
                .unwrap()
                .status();
            assert!(
                asked.elapsed() < Duration::from_secs(3),
                "readyz took {:?}",
                asked.elapsed()
            );
            if status == 503 {
                break;
            }
            assert!(
                t.elapsed() < Duration::from_secs(3),
                "readyz still {status} while the broker is down"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        std::thread::sleep(Duration::from_secs(3));
        let before_restart = delivered(&seen);
        let restarting = rabbit.start_again();
        let down_for = down_since.elapsed();
        let back = Instant::now();
        while http()
            .get(format!("{}/readyz", bridge.url))
            .send()
            .map_or(true, |r| r.status() != 200)
        {
            assert!(
                back.elapsed() < Duration::from_secs(30),
                "not ready 30 s after the restart"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        let ready_after = back.elapsed();
        // The consumer resumes (reconnects, declares, consumes) soon after.
        while delivered(&seen) == before_restart {
            assert!(
                back.elapsed() < Duration::from_secs(30),
                "the consumer did not resume within 30 s of the restart"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        let resumed_after = back.elapsed();
        let faults = calls.lock().unwrap().faults - faults_before;
        eprintln!(
            "broker restart fault test: broker {how} after {at_stop} of {} queued messages were delivered ({at_down} when it was down), stopping took {stopping:.1?}, down {down_for:.1?} (starting took {restarting:.1?}); {faults} SOAP faults while down; /readyz 200 {ready_after:.1?} and consumer resumed {resumed_after:.1?} after the restart",
            valid.len()
        );
        assert!(
            at_down < valid.len(),
            "the broker was {how} after everything was delivered"
        );
        assert!(faults > 0, "no call was made while the broker was {how}");
        // Reconnects back off to at most 5 s apart.
        assert!(
            resumed_after < Duration::from_secs(10),
            "the consumer resumed {resumed_after:?} after the restart"
        );
        outages.push(down_for);
    }
    // A few more accepted calls after the restart, then the client stops.
    let accepted_before = calls.lock().unwrap().accepted.len();
    let t = Instant::now();
    while calls.lock().unwrap().accepted.len() < accepted_before + 20 {
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "no call accepted after the restart"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    stop_calling.store(true, Ordering::Relaxed);
    client.join().expect("the SOAP client");
    let calls = std::mem::take(&mut *calls.lock().unwrap());

    // Everything arrives: each message at the upstream or in the DLQ.
    let mut dead: Vec<(String, String)> = Vec::new();
    let expected: HashSet<String> = valid
        .iter()
        .cloned()
        .chain(calls.accepted.iter().cloned())
        .collect();
    rt.block_on(async {
        let conn = Connection::connect(&amqp, ConnectionProperties::default())
            .await
            .unwrap();
        let ch = conn.create_channel().await.unwrap();
        let started = Instant::now();
        loop {
            drain_dead_letters(&ch, queue, &mut dead).await;
            let got = accepted(&seen);
            let dead_ids: HashSet<&String> = dead.iter().map(|(id, _)| id).collect();
            if expected.is_subset(&got) && dead_ids.len() >= poison.len() {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "after the restart: {} of {} delivered, {} of {} dead letters; missing e.g. {:?}",
                got.intersection(&expected).count(),
                expected.len(),
                dead_ids.len(),
                poison.len(),
                expected.difference(&got).take(5).collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // Give late duplicates a moment, then count.
        tokio::time::sleep(Duration::from_millis(300)).await;
        drain_dead_letters(&ch, queue, &mut dead).await;
    });
    let s = seen.lock().unwrap().clone();
    let got: HashSet<String> = s.accepted.iter().cloned().collect();
    assert_eq!(
        got, expected,
        "the upstream got exactly the valid messages and the accepted calls"
    );
    let dead_ids: HashSet<String> = dead.iter().map(|(id, _)| id.clone()).collect();
    assert_eq!(
        dead_ids, poison,
        "the dead letters are exactly the poison messages"
    );
    assert!(
        dead.iter()
            .all(|(_, why)| why.contains("breaks the contract")),
        "{dead:?}"
    );
    eprintln!(
        "broker restart fault test: {n} queued ({} poison) + {} one-way SOAP calls accepted; 2 outages (down {:.1?}); {} distinct delivered, {} duplicate deliveries, {} dead letters ({} distinct, each with its reason); {} faults answered while down (slowest {:.1?}); first start {first_start:.1?}; total {:.1?}",
        poison.len(),
        calls.accepted.len(),
        outages,
        got.len(),
        s.accepted.len() - got.len(),
        dead.len(),
        dead_ids.len(),
        calls.faults,
        calls.slowest_fault,
        test_started.elapsed()
    );
    drop(bridge);
    drop(rabbit);
}

/// A CA, a server certificate for 127.0.0.1/localhost and a client
/// certificate (v3, clientAuth), made by openssl in `dir`.
fn make_certs(dir: &std::path::Path) {
    let run = |args: &[&str]| openssl(dir, args);
    write(
        dir,
        "server.ext",
        "subjectAltName=DNS:localhost,IP:127.0.0.1\n",
    );
    write(
        dir,
        "client.ext",
        "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n",
    );
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=sbtest-broker-ca",
    ]);
    for (who, subject) in [("server", "/CN=localhost"), ("client", "/CN=soapbridge")] {
        run(&[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            &format!("{who}.key"),
            "-out",
            &format!("{who}.csr"),
            "-subj",
            subject,
        ]);
        run(&[
            "x509",
            "-req",
            "-in",
            &format!("{who}.csr"),
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            &format!("{who}.pem"),
            "-days",
            "2",
            "-extfile",
            &format!("{who}.ext"),
        ]);
    }
    // The broker runs as this user and must read its key.
    let _ = std::fs::set_permissions(
        dir.join("server.key"),
        std::os::unix::fs::PermissionsExt::from_mode(0o644),
    );
}

/// AMQPS: the bridge publishes and consumes over TLS on a broker that
/// requires a client certificate; without the certificate, or without
/// the private CA, it cannot connect, says so, and leaks no credential.
#[test]
fn amqps_with_a_private_ca_and_a_client_certificate() {
    let certs = scratch();
    make_certs(&certs);
    let c = |f: &str| certs.join(f).display().to_string();
    let (ca, server, server_key) = (c("ca.pem"), c("server.pem"), c("server.key"));
    let tls_port = Arc::new(AtomicUsize::new(0));
    let rabbit = Rabbit::start_with({
        let tls_port = tls_port.clone();
        move |port| {
            tls_port.store(usize::from(port), Ordering::Relaxed);
            format!(
                "listeners.ssl.default = 127.0.0.1:{port}\nssl_options.cacertfile = {ca}\nssl_options.certfile = {server}\nssl_options.keyfile = {server_key}\nssl_options.verify = verify_peer\nssl_options.fail_if_no_peer_cert = true\n"
            )
        }
    });
    let tls_port = tls_port.load(Ordering::Relaxed) as u16;
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", tls_port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no TLS listener"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let url = format!("amqps://guest:guest@localhost:{tls_port}/%2f");
    let queue = format!("sbtest.tls.{}", std::process::id());
    let (upstream, seen) = start_upstream();
    let dir = scratch();
    write(
        &dir,
        "payments.yaml",
        &format!(
            "contract: {}/wsdl/bank-payments/payments.wsdl\nupstream:\n  base_url: http://127.0.0.1:{upstream}\noperations:\n  NotifyPaymentEvent:\n    method: POST\n    path: /payment-events\n    publish:\n      queue: {queue}\n    queue:\n      name: {queue}\n",
            root().display()
        ),
    );
    let body =
        std::fs::read_to_string(root().join("wsdl/bank-payments/samples/NotifyPaymentEvent.xml"))
            .unwrap();
    let body = body.trim_start_matches(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    let envelope = format!(
        r#"<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body>{body}</e:Body></e:Envelope>"#
    );
    let notify = |bridge: &str, id: &str| {
        let r = http()
            .post(format!("{bridge}/soap/PaymentService"))
            .header("Content-Type", "application/soap+xml")
            .header("X-Request-Id", id)
            .body(envelope.clone())
            .send()
            .unwrap();
        (r.status().as_u16(), r.text().unwrap())
    };
    let ready = |bridge: &str| {
        http()
            .get(format!("{bridge}/readyz"))
            .send()
            .unwrap()
            .status()
            .as_u16()
    };

    // With the CA and the client certificate: published and delivered.
    let bridge = start_serve(
        &[
            "--mappings",
            dir.to_str().unwrap(),
            "--amqp",
            &url,
            "--amqp-ca",
            &c("ca.pem"),
            "--amqp-cert",
            &c("client.pem"),
            "--amqp-key",
            &c("client.key"),
        ],
        &[],
    );
    assert_eq!(ready(&bridge.url), 200);
    let (code, text) = notify(&bridge.url, "tls-1");
    assert_eq!(code, 202, "{text}");
    let started = Instant::now();
    while !seen.lock().unwrap().accepted.contains(&"tls-1".to_string()) {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "not delivered over AMQPS"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(bridge);

    // Without the client certificate the broker refuses the connection.
    let bridge = start_serve(
        &[
            "--mappings",
            dir.to_str().unwrap(),
            "--amqp",
            &url,
            "--amqp-ca",
            &c("ca.pem"),
        ],
        &[],
    );
    assert_eq!(ready(&bridge.url), 503);
    let (code, text) = notify(&bridge.url, "tls-2");
    assert_eq!(code, 500, "{text}");
    assert!(
        text.contains("Receiver") && !text.contains("guest"),
        "{text}"
    );
    drop(bridge);

    // The dead-letter tool over AMQPS; without the private CA the broker's
    // certificate is not trusted, and the URL's password is never printed.
    let dlq = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_soapbridge"))
            .args(["dlq", "list", &queue, "--amqp", &url])
            .args(extra)
            .output()
            .unwrap()
    };
    let out = dlq(&[
        "--amqp-ca",
        &c("ca.pem"),
        "--amqp-cert",
        &c("client.pem"),
        "--amqp-key",
        &c("client.key"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("0 dead letter(s)"));
    let out = dlq(&[]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("certificate") && !err.contains("guest"),
        "{err}"
    );
    assert_eq!(seen.lock().unwrap().tries.get("tls-2"), None);
    drop(rabbit);
}
