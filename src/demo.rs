//! The example REST service behind the shipped mappings (`serve --demo`).
//!
//! A small, in-memory stand-in for the modern services the example
//! contracts are bridged to: an orders and stock API (`/erp`) and a
//! payments API (`/bank`), resource-style, answering JSON and
//! `application/problem+json` errors with the fields the mappings turn into
//! declared faults. It exists so that the README's first command and a
//! copy-pasted `curl` give a real translated answer with nothing else
//! installed; it is not a reference for how to write such a service.

use std::collections::BTreeMap;
use std::sync::Mutex;

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

#[derive(Default)]
pub struct Store {
    /// When stock figures were last counted (the demo's start), so that
    /// two reads of the same article agree.
    counted_at: String,
    orders: BTreeMap<String, Value>,
    payments: BTreeMap<String, Value>,
    next_order: u32,
    next_payment: u32,
    /// Payment events received (the latest [`EVENTS_KEPT`]), each once per
    /// `Idempotency-Key`: a redelivered event is acknowledged, not stored twice.
    events: std::collections::VecDeque<(String, Value)>,
    events_received: usize,
}

const EVENTS_KEPT: usize = 100;

/// Articles the stock API knows: sku, warehouse, on hand, reserved.
const STOCK: &[(&str, &str, i64, i64)] = &[
    ("PUMP-00042", "FRA01", 40, 12),
    ("PUMP-00042", "HAM02", 3, 5),
    ("VLV-1200-XL", "FRA01", 250, 20),
    ("HOSE-0100", "MUC03", 1200, 0),
];

/// `YYYY-MM-DDThh:mm:ssZ` now (no date crate for one format).
fn now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default();
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn problem(status: u16, title: &str, fields: Value) -> HttpResponse {
    let mut body = json!({"type": "about:blank", "title": title, "status": status});
    if let (Value::Object(b), Value::Object(f)) = (&mut body, fields) {
        b.extend(f);
    }
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap_or_default())
        .content_type("application/problem+json")
        .body(body.to_string())
}

/// A decimal amount with 2 fraction digits, as a JSON number.
fn money(x: f64) -> Value {
    serde_json::from_str(&format!("{x:.2}")).unwrap_or(Value::Null)
}

fn number(v: &Value) -> f64 {
    v.as_f64()
        .or_else(|| v.to_string().parse().ok())
        .unwrap_or_default()
}

fn order_total(order: &Value) -> f64 {
    let lines = order["line"].as_array().cloned().unwrap_or_default();
    lines
        .iter()
        .map(|l| {
            let gross = number(&l["quantity"]) * number(&l["unitPrice"]);
            gross * (1.0 - number(&l["discount"]) / 100.0)
        })
        .sum()
}

fn seed(store: &mut Store) {
    store.counted_at = now();
    let order = json!({
        "customerId": "CUST-004711", "orderDate": "2024-03-14", "currency": "EUR",
        "customerReference": "PO 88-1024",
        "line": [
            {"lineNumber": 1, "sku": "PUMP-00042", "description": "Centrifugal pump 2.2 kW",
             "quantity": 2, "unitPrice": 149.90, "discount": 10, "warehouse": "FRA01"},
            {"lineNumber": 2, "sku": "VLV-1200-XL", "quantity": 5, "unitPrice": 12.50}
        ],
        "orderId": "SO-2024-000123", "status": "CONFIRMED", "totalAmount": 332.32,
        "createdAt": "2024-03-14T09:30:00Z"
    });
    store.orders.insert("SO-2024-000123".into(), order);
    let pending = json!({
        "customerId": "CUST-004711", "orderDate": "2024-02-27", "currency": "EUR",
        "line": [{"lineNumber": 1, "sku": "HOSE-0100", "quantity": 100, "unitPrice": 12.99}],
        "orderId": "SO-2024-000098", "status": "PENDING", "totalAmount": 1299.00,
        "createdAt": "2024-02-27T14:05:00Z"
    });
    store.orders.insert("SO-2024-000098".into(), pending);
    store.payments.insert(
        "PMT-20240314-000042".into(),
        json!({"paymentId": "PMT-20240314-000042", "status": "SETTLED",
               "lastUpdated": "2024-03-15T07:12:40Z",
               "charge": [{"currency": "EUR", "$value": 0.35}]}),
    );
}

async fn create_order(store: web::Data<Mutex<Store>>, body: web::Json<Value>) -> HttpResponse {
    let mut order = body.into_inner();
    for line in order["line"].as_array().cloned().unwrap_or_default() {
        let sku = line["sku"].as_str().unwrap_or_default();
        if !STOCK.iter().any(|(s, ..)| *s == sku) {
            return problem(
                422,
                "Unknown article",
                json!({"code": "UNKNOWN_SKU", "message": format!("no article {sku}")}),
            );
        }
    }
    let mut s = store.lock().expect("store");
    s.next_order += 1;
    let id = format!("SO-2026-{:06}", s.next_order);
    let total = order_total(&order);
    order["orderId"] = json!(id);
    order["status"] = json!("PENDING");
    order["totalAmount"] = money(total);
    order["createdAt"] = json!(now());
    let answer = json!({
        "orderId": id, "status": "PENDING", "totalAmount": money(total),
        "currency": order["currency"].clone()
    });
    s.orders.insert(id, order);
    HttpResponse::Created().json(answer)
}

fn not_found(id: &str) -> HttpResponse {
    problem(
        404,
        "Order not found",
        json!({"code": "ORDER_NOT_FOUND", "message": format!("no order {id}"), "orderId": id}),
    )
}

async fn get_order(store: web::Data<Mutex<Store>>, id: web::Path<String>) -> HttpResponse {
    let s = store.lock().expect("store");
    match s.orders.get(id.as_str()) {
        Some(o) => HttpResponse::Ok().json(json!({"order": o})),
        None => not_found(&id),
    }
}

async fn list_orders(store: web::Data<Mutex<Store>>, req: HttpRequest) -> HttpResponse {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(req.query_string().as_bytes())
        .into_owned()
        .collect();
    let one = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let statuses: Vec<&str> = pairs
        .iter()
        .filter(|(n, _)| n == "status")
        .map(|(_, v)| v.as_str())
        .collect();
    let max: usize = one("maxResults")
        .and_then(|m| m.parse().ok())
        .unwrap_or(100);
    let s = store.lock().expect("store");
    let matching: Vec<&Value> = s
        .orders
        .values()
        .filter(|o| one("customerId").is_none_or(|c| o["customerId"] == c))
        .filter(|o| statuses.is_empty() || statuses.iter().any(|st| o["status"] == *st))
        .filter(|o| one("fromDate").is_none_or(|d| o["orderDate"].as_str() >= Some(d)))
        .filter(|o| one("toDate").is_none_or(|d| o["orderDate"].as_str() <= Some(d)))
        .collect();
    let summaries: Vec<Value> = matching
        .iter()
        .take(max)
        .map(|o| {
            json!({
                "orderId": o["orderId"], "customerId": o["customerId"],
                "orderDate": o["orderDate"], "status": o["status"],
                "currency": o["currency"], "totalAmount": o["totalAmount"],
                "lineCount": o["line"].as_array().map_or(0, Vec::len)
            })
        })
        .collect();
    HttpResponse::Ok().json(json!({"order": summaries, "totalCount": matching.len()}))
}

async fn cancel_order(
    store: web::Data<Mutex<Store>>,
    id: web::Path<String>,
    body: web::Json<Value>,
) -> HttpResponse {
    let mut s = store.lock().expect("store");
    let Some(order) = s.orders.get_mut(id.as_str()) else {
        return not_found(&id);
    };
    if matches!(
        order["status"].as_str(),
        Some("SHIPPED" | "DELIVERED" | "CANCELLED")
    ) {
        return problem(
            409,
            "Order cannot be cancelled",
            json!({"code": "NOT_CANCELLABLE",
                   "message": format!("order {id} is {}", order["status"].as_str().unwrap_or("")),
                   "orderId": id.as_str()}),
        );
    }
    let at = now();
    order["status"] = json!("CANCELLED");
    order["cancelledAt"] = json!(at);
    tracing::info!(order = %id, reason = %body["reason"], "order cancelled");
    HttpResponse::Ok()
        .json(json!({"orderId": id.as_str(), "status": "CANCELLED", "cancelledAt": at}))
}

async fn stock(
    store: web::Data<Mutex<Store>>,
    sku: web::Path<String>,
    req: HttpRequest,
) -> HttpResponse {
    let counted_at = store.lock().expect("store").counted_at.clone();
    let warehouse = url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == "warehouse")
        .map(|(_, v)| v.into_owned());
    let levels: Vec<Value> = STOCK
        .iter()
        .filter(|(s, w, ..)| *s == sku.as_str() && warehouse.as_deref().is_none_or(|x| x == *w))
        .map(|(s, w, on_hand, reserved)| {
            json!({"sku": s, "warehouse": w, "onHand": on_hand, "reserved": reserved,
                   "available": on_hand - reserved, "asOf": counted_at})
        })
        .collect();
    if levels.is_empty() {
        return problem(
            404,
            "Unknown article",
            json!({"code": "UNKNOWN_SKU", "message": format!("no stock for {sku}")}),
        );
    }
    HttpResponse::Ok().json(json!({"stockLevel": levels}))
}

async fn submit_payment(store: web::Data<Mutex<Store>>, body: web::Json<Value>) -> HttpResponse {
    let payment = body.into_inner();
    let amount = number(&payment["amount"]["$value"]);
    if amount > 100_000.0 {
        return problem(
            422,
            "Payment rejected",
            json!({"reasonCode": "LIMIT_EXCEEDED",
                   "reasonText": "the amount is above the single-payment limit",
                   "endToEndId": payment["endToEndId"]}),
        );
    }
    let mut s = store.lock().expect("store");
    s.next_payment += 1;
    let id = format!("PMT-20261125-{:06}", s.next_payment);
    let at = now();
    s.payments.insert(
        id.clone(),
        json!({"paymentId": id, "status": "ACCEPTED", "lastUpdated": at, "charge": []}),
    );
    HttpResponse::Created().json(json!({"paymentId": id, "status": "ACCEPTED", "receivedAt": at}))
}

async fn payment_status(store: web::Data<Mutex<Store>>, id: web::Path<String>) -> HttpResponse {
    let s = store.lock().expect("store");
    match s.payments.get(id.as_str()) {
        Some(p) => HttpResponse::Ok().json(p),
        None => problem(404, "Payment not found", json!({"paymentId": id.as_str()})),
    }
}

async fn payment_event(
    store: web::Data<Mutex<Store>>,
    req: actix_web::HttpRequest,
    body: web::Json<Value>,
) -> HttpResponse {
    let key = req
        .headers()
        .get("Idempotency-Key")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let mut s = store.lock().expect("store");
    if !key.is_empty() && s.events.iter().any(|(k, _)| *k == key) {
        return HttpResponse::Accepted().finish();
    }
    s.events_received += 1;
    if s.events.len() == EVENTS_KEPT {
        s.events.pop_front();
    }
    tracing::info!(event = %body["event"]["eventId"], "payment event received");
    s.events.push_back((key, body.into_inner()));
    HttpResponse::Accepted().finish()
}

/// The payment events received so far (newest last), to see flow C work.
async fn payment_events(store: web::Data<Mutex<Store>>) -> HttpResponse {
    let s = store.lock().expect("store");
    let latest: Vec<Value> = s
        .events
        .iter()
        .map(|(key, event)| json!({"idempotencyKey": key, "body": event}))
        .collect();
    HttpResponse::Ok().json(json!({"received": s.events_received, "latest": latest}))
}

/// The demo's data, shared by every worker.
pub fn store() -> web::Data<Mutex<Store>> {
    let mut store = Store::default();
    seed(&mut store);
    web::Data::new(Mutex::new(store))
}

/// The demo routes, for an actix `App`.
pub fn configure(cfg: &mut web::ServiceConfig, store: web::Data<Mutex<Store>>) {
    cfg.app_data(store)
        .route("/erp/orders", web::post().to(create_order))
        .route("/erp/orders", web::get().to(list_orders))
        .route("/erp/orders/{id}", web::get().to(get_order))
        .route("/erp/orders/{id}/cancel", web::post().to(cancel_order))
        .route("/erp/stock/{sku}", web::get().to(stock))
        .route("/bank/payments", web::post().to(submit_payment))
        .route("/bank/payments/{id}/status", web::get().to(payment_status))
        .route("/bank/payment-events", web::post().to(payment_event))
        .route("/bank/payment-events", web::get().to(payment_events));
}

#[cfg(test)]
mod tests {
    #[test]
    fn now_is_an_xsd_date_time() {
        let n = super::now();
        assert_eq!(n.len(), 20, "{n}");
        assert!(
            n.starts_with("20") && n.ends_with('Z') && &n[10..11] == "T",
            "{n}"
        );
    }
}
