//! Prometheus metrics at `GET /metrics`: requests by facade, operation and
//! outcome, latency histograms, upstream calls by status class and errors
//! by kind. One recorder per process (the `metrics` facade is global).

use std::sync::OnceLock;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Latency buckets in seconds: a SOAP call through the bridge is usually
/// milliseconds; upstream timeouts are seconds.
const BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// The process's recorder, installed on first use; `None` if another
/// recorder was installed first (an embedding application's own).
pub fn handle() -> Option<&'static PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), BUCKETS)
                .ok()?
                .install_recorder()
                .ok()
        })
        .as_ref()
}

pub fn request(service: &str, operation: &str, outcome: &'static str, seconds: f64) {
    metrics::counter!(
        "soapbridge_soap_requests_total",
        "service" => service.to_string(),
        "operation" => operation.to_string(),
        "outcome" => outcome
    )
    .increment(1);
    metrics::histogram!(
        "soapbridge_soap_request_duration_seconds",
        "service" => service.to_string(),
        "operation" => operation.to_string()
    )
    .record(seconds);
}

/// A REST-facade call (flow B): its own metric, so that a REST call and
/// the SOAP call it may lead to are not counted together.
pub fn rest_request(service: &str, operation: &str, outcome: &'static str, seconds: f64) {
    metrics::counter!(
        "soapbridge_rest_requests_total",
        "service" => service.to_string(),
        "operation" => operation.to_string(),
        "outcome" => outcome
    )
    .increment(1);
    metrics::histogram!(
        "soapbridge_rest_request_duration_seconds",
        "service" => service.to_string(),
        "operation" => operation.to_string()
    )
    .record(seconds);
}

pub fn upstream(service: &str, operation: &str, status: Option<u16>, seconds: f64) {
    let class = match status {
        Some(s) => match s / 100 {
            2 => "2xx",
            3 => "3xx",
            4 => "4xx",
            _ => "5xx",
        },
        None => "none",
    };
    metrics::counter!(
        "soapbridge_upstream_requests_total",
        "service" => service.to_string(),
        "operation" => operation.to_string(),
        "status" => class
    )
    .increment(1);
    metrics::histogram!(
        "soapbridge_upstream_duration_seconds",
        "service" => service.to_string(),
        "operation" => operation.to_string()
    )
    .record(seconds);
}

pub fn upstream_error(service: &str, kind: &'static str) {
    metrics::counter!(
        "soapbridge_upstream_errors_total",
        "service" => service.to_string(),
        "kind" => kind
    )
    .increment(1);
}
