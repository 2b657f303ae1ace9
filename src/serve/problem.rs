//! RFC 9457 `application/problem+json` answers of the REST facade.

use actix_web::HttpResponse;
use serde_json::{Map, Value, json};

use crate::codec::FieldError;

/// A problem document: `type` is `urn:soapbridge:problem:<slug>`.
pub struct Problem {
    pub status: u16,
    pub slug: &'static str,
    pub title: String,
    pub detail: Option<String>,
    pub errors: Vec<FieldError>,
    /// Extra members (`fault` for a SOAP fault's name and detail).
    pub extra: Map<String, Value>,
}

impl Problem {
    pub fn new(status: u16, slug: &'static str, title: impl Into<String>) -> Problem {
        Problem {
            status,
            slug,
            title: title.into(),
            detail: None,
            errors: Vec::new(),
            extra: Map::new(),
        }
    }

    pub fn detail(mut self, d: impl Into<String>) -> Problem {
        self.detail = Some(d.into());
        self
    }

    pub fn respond(self, instance: &str, request_id: &str) -> HttpResponse {
        let status = self.status;
        let body = self.to_json(instance, request_id);
        HttpResponse::build(
            actix_web::http::StatusCode::from_u16(status)
                .unwrap_or(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR),
        )
        .insert_header(("X-Request-Id", request_id.to_string()))
        .content_type("application/problem+json")
        .body(body.to_string())
    }

    /// The problem document itself (also the reply of a queued request).
    pub fn to_json(self, instance: &str, request_id: &str) -> Value {
        let mut body = json!({
            "type": format!("urn:soapbridge:problem:{}", self.slug),
            "title": self.title,
            "status": self.status,
            "instance": instance,
            "request_id": request_id,
        });
        if let Value::Object(m) = &mut body {
            if let Some(d) = self.detail {
                m.insert("detail".into(), Value::String(d));
            }
            if !self.errors.is_empty() {
                let errors: Vec<Value> = self
                    .errors
                    .iter()
                    .map(|e| json!({"pointer": e.pointer, "message": e.message}))
                    .collect();
                m.insert("errors".into(), Value::Array(errors));
            }
            m.extend(self.extra);
        }
        body
    }
}
