//! The REST facade's OpenAPI 3.1 document (`GET {path}/openapi.json`,
//! `soapbridge openapi MAPPING`): one `POST` per operation, request and
//! response bodies as JSON Schema derived from the XSD through the
//! translator's own shapes, and the problem documents each route can answer.

use serde_json::{Map, Value, json};

use super::Facade;

const PROBLEM: &str = "#/components/schemas/Problem";

/// The document for a rest-to-soap facade (its chosen port's operations).
/// `authenticated`: the server verifies callers (`auth:` is configured),
/// so every operation that is not public is documented as secured.
pub fn document(facade: &Facade, authenticated: bool) -> Value {
    let m = facade.mapping;
    let port_index = m
        .port
        .as_ref()
        .and_then(|n| facade.ports.iter().position(|p| p.name == *n))
        .unwrap_or(0);
    let mut schemas = facade.codec.json_schemas();
    let mut paths = Map::new();
    let mut secured = false;
    let entries = facade
        .ports
        .get(port_index)
        .map(|p| p.entries.as_slice())
        .unwrap_or_default();
    for e in entries {
        let op = &e.op.name;
        let mut input = schemas.message(&e.input);
        let r = &e.route;
        let mut parameters = Vec::new();
        let mut from_params: Vec<String> = Vec::new();
        let param_schema = |field: &str| {
            use crate::schema::builtin::JsonKind;
            let (kind, repeats) = facade
                .codec
                .field_kind(&e.input, field)
                .unwrap_or((JsonKind::String, false));
            let t = match kind {
                JsonKind::Integer => "integer",
                JsonKind::Decimal | JsonKind::Float => "number",
                JsonKind::Boolean => "boolean",
                JsonKind::String => "string",
            };
            if repeats {
                json!({"type": "array", "items": {"type": t}})
            } else {
                json!({"type": t})
            }
        };
        let mut route_path = format!("{}/{op}", m.path);
        if r.custom {
            route_path = m.path.clone();
            for p in &r.path.parts {
                match p {
                    crate::mapping::Piece::Text(t) => route_path.push_str(t),
                    crate::mapping::Piece::Field(f) => {
                        route_path.push_str(&format!("{{{f}}}"));
                        parameters.push(json!({"name": f, "in": "path", "required": true, "schema": param_schema(f)}));
                        from_params.push(f.clone());
                    }
                }
            }
            for (place, list) in [("query", &r.query), ("header", &r.headers)] {
                for (name, t) in list {
                    if let [crate::mapping::Piece::Field(f)] = t.parts.as_slice() {
                        parameters.push(json!({"name": name, "in": place, "required": false, "schema": param_schema(f), "description": format!("The message field `{f}`.")}));
                        from_params.push(f.clone());
                    }
                }
            }
            // Fields that come from the URL or headers are not in the body.
            if let Value::Object(o) = &mut input {
                if let Some(Value::Object(props)) = o.get_mut("properties") {
                    for f in &from_params {
                        props.remove(f.split('.').next().unwrap_or_default());
                    }
                }
                if let Some(Value::Array(req)) = o.get_mut("required") {
                    req.retain(|x| {
                        !from_params
                            .iter()
                            .any(|f| x == f.split('.').next().unwrap_or_default())
                    });
                }
            }
        }
        let with_body = !(r.custom && matches!(r.method.as_str(), "GET" | "DELETE"));
        let mut responses = Map::new();
        match &e.output {
            Some(out) => {
                let output = schemas.message(out);
                responses.insert(
                    "200".into(),
                    json!({"description": "The output message.", "content": {"application/json": {"schema": output}}}),
                );
            }
            None => {
                responses.insert(
                    "202".into(),
                    json!({"description": "Accepted by the backend (one-way operation)."}),
                );
            }
        }
        let problem = |d: &str| json!({"description": d, "content": {"application/problem+json": {"schema": {"$ref": PROBLEM}}}});
        for f in &e.op.faults {
            let status = e
                .route
                .faults
                .iter()
                .find(|r| r.fault == f.name)
                .and_then(|r| match r.status {
                    crate::mapping::StatusMatch::Code(c) => Some(c),
                    crate::mapping::StatusMatch::Class(_) => None,
                });
            if let Some(c) = status {
                responses.insert(
                    c.to_string(),
                    problem(&format!("The backend answered with the declared fault {} (its detail in `fault.detail`).", f.name)),
                );
            }
        }
        responses.entry("400").or_insert_with(|| problem("Invalid JSON, a contract violation (`errors` lists each field by JSON Pointer), or a Client/Sender SOAP fault."));
        responses.insert("413".into(), problem("The request body is too large."));
        responses.insert(
            "415".into(),
            problem("The request is not application/json."),
        );
        responses.insert("502".into(), problem("A Server/Receiver SOAP fault, or an answer that is not SOAP or breaks the contract."));
        responses.insert("503".into(), problem("The SOAP backend is unavailable."));
        responses.insert(
            "504".into(),
            problem("The SOAP backend did not answer in time."),
        );
        // Credentials: every operation that is not public needs them once
        // the server has `auth:` (`authenticated`), and scopes when named.
        let needs = r.scopes.as_ref().filter(|s| authenticated || !s.is_empty());
        if needs.is_some() {
            responses.insert(
                "401".into(),
                problem("No credentials, or invalid ones (`WWW-Authenticate` says which scheme)."),
            );
            responses.insert(
                "403".into(),
                problem("The caller lacks a scope this operation needs."),
            );
        }
        let mut operation = json!({
            "operationId": op,
            "summary": format!("{op} (SOAP {})", e.version.as_str()),
            "responses": responses,
        });
        if with_body {
            operation["requestBody"] =
                json!({"required": true, "content": {"application/json": {"schema": input}}});
        }
        if !parameters.is_empty() {
            operation["parameters"] = Value::Array(parameters);
        }
        if let Some(scopes) = needs {
            secured = true;
            operation["security"] = json!([{"apiKey": []}, {"bearer": scopes}]);
            if !scopes.is_empty() {
                operation["x-soapbridge-scopes"] = json!(scopes);
            }
        }
        if let Some(d) = &e.op.documentation {
            operation["description"] = Value::String(d.trim().to_string());
        }
        let method = if r.custom {
            r.method.to_ascii_lowercase()
        } else {
            "post".into()
        };
        let slot = paths.entry(route_path).or_insert_with(|| json!({}));
        slot[method] = operation;
    }
    let mut components = std::mem::take(&mut schemas.components);
    components.insert(
        "Problem".into(),
        json!({
            "type": "object",
            "description": "RFC 9457 problem details.",
            "required": ["type", "title", "status"],
            "properties": {
                "type": {"type": "string"},
                "title": {"type": "string"},
                "status": {"type": "integer"},
                "detail": {"type": "string"},
                "instance": {"type": "string"},
                "request_id": {"type": "string"},
                "errors": {"type": "array", "items": {"type": "object", "required": ["pointer", "message"],
                    "properties": {"pointer": {"type": "string"}, "message": {"type": "string"}}}},
                "fault": {"type": "object", "properties": {
                    "code": {"type": "string"}, "name": {"type": "string"}, "detail": {}}}
            }
        }),
    );
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": format!("{} (REST facade)", m.service),
            "version": "1.0.0",
            "description": format!("JSON over HTTP in front of the SOAP service {}, generated by soapbridge from its WSDL contract.", m.service),
        },
        "paths": paths,
        "components": if secured {
            json!({"schemas": components, "securitySchemes": {
                "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                    "description": "A JWT whose scope claim holds the operation's scopes."}
            }})
        } else {
            json!({"schemas": components})
        },
    })
}
