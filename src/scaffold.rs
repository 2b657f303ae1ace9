//! `soapbridge scaffold`: a mapping that works unedited, for editing.
//!
//! Every SOAP operation of the service is forwarded as
//! `POST {upstream}/{OperationName}` with the input message JSON as body,
//! and the JSON answer is taken as the output message; upstream errors get
//! the default faults (4xx `Client`, 5xx `Server`). The contract's declared
//! faults are listed as commented-out rules, ready to be switched on.

use std::fmt::Write as _;
use std::path::Path;

use crate::contract::Contract;
use crate::mapping::soap_operations;

#[derive(Debug, thiserror::Error)]
pub enum ScaffoldError {
    #[error("the contract has no service `{0}` (it has: {1})")]
    NoSuchService(String, String),
    #[error("the contract has several services ({0}): choose one with --service")]
    SeveralServices(String),
    #[error("the contract has no service with a SOAP port")]
    NoSoapService,
}

/// The YAML of a soap-to-rest mapping for `service` (or the only one).
/// `contract_ref` is how the mapping names the WSDL (relative to itself).
pub fn soap_to_rest(
    c: &Contract,
    contract_ref: &Path,
    service: Option<&str>,
    upstream: &str,
) -> Result<String, ScaffoldError> {
    let services: Vec<_> = c
        .services()
        .filter(|s| !soap_operations(c, s).is_empty())
        .collect();
    let names = || {
        services
            .iter()
            .map(|s| s.name.local.clone())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let svc = match service {
        Some(n) => services
            .iter()
            .find(|s| s.name.local == n)
            .ok_or_else(|| ScaffoldError::NoSuchService(n.into(), names()))?,
        None => match services.as_slice() {
            [one] => one,
            [] => return Err(ScaffoldError::NoSoapService),
            _ => return Err(ScaffoldError::SeveralServices(names())),
        },
    };
    let ops = soap_operations(c, svc);
    let mut y = String::new();
    let _ = writeln!(
        y,
        "# soapbridge mapping: SOAP facade for service {} in front of a JSON/REST service.",
        svc.name.local
    );
    let _ = writeln!(
        y,
        "# Written by `soapbridge scaffold`; works as is, edit it toward resource-style routes."
    );
    let _ = writeln!(y, "# Reference: mappings/README.md");
    let _ = writeln!(y, "contract: {}", yaml_str(&contract_ref.to_string_lossy()));
    let _ = writeln!(y, "flow: soap-to-rest");
    if c.services().count() > 1 {
        let _ = writeln!(y, "service: {}", yaml_str(&svc.name.local));
    }
    let _ = writeln!(
        y,
        "path: {}",
        yaml_str(&format!("/soap/{}", svc.name.local))
    );
    let _ = writeln!(y, "upstream:");
    let _ = writeln!(y, "  base_url: {}", yaml_str(upstream));
    let _ = writeln!(y, "  timeout: 30s");
    let _ = writeln!(y, "operations:");
    for op in &ops {
        let _ = writeln!(y, "  {}:", yaml_str(&op.name));
        if op.one_way {
            let _ = writeln!(
                y,
                "    # one-way: the SOAP caller gets 202 once the upstream accepted"
            );
        }
        let _ = writeln!(y, "    method: POST");
        let _ = writeln!(y, "    path: {}", yaml_str(&format!("/{}", op.name)));
        let _ = writeln!(y, "    body: message");
        let declared: Vec<&str> = op
            .faults
            .iter()
            .filter(|f| f.element.is_some())
            .map(|f| f.name.as_str())
            .collect();
        if !declared.is_empty() {
            let _ = writeln!(
                y,
                "    # Upstream errors are generic faults (4xx Client, 5xx Server). To answer"
            );
            let _ = writeln!(
                y,
                "    # with a declared fault, whose detail is read from the JSON error body:"
            );
            let _ = writeln!(y, "    # faults:");
            for f in declared {
                let _ = writeln!(y, "    #   - status: 4xx");
                let _ = writeln!(y, "    #     fault: {f}");
            }
        }
    }
    Ok(y)
}

/// A YAML scalar: plain when that is unambiguous, else double-quoted.
fn yaml_str(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-:".contains(c))
        && !s.starts_with(['-', ':', '.'])
        && !s.contains(": ")
        && !matches!(
            s,
            "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "~"
        );
    if plain {
        s.to_string()
    } else {
        serde_json::to_string(s).unwrap_or_default()
    }
}

/// The YAML of a rest-to-soap mapping: `POST /api/{Service}/{Operation}`
/// for every operation, calling the backend at `upstream` or, without it,
/// at the address the contract's port gives.
pub fn rest_to_soap(
    c: &Contract,
    contract_ref: &Path,
    service: Option<&str>,
    upstream: Option<&str>,
) -> Result<String, ScaffoldError> {
    let services: Vec<_> = c
        .services()
        .filter(|s| !soap_operations(c, s).is_empty())
        .collect();
    let names = || {
        services
            .iter()
            .map(|s| s.name.local.clone())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let svc = match service {
        Some(n) => services
            .iter()
            .find(|s| s.name.local == n)
            .ok_or_else(|| ScaffoldError::NoSuchService(n.into(), names()))?,
        None => match services.as_slice() {
            [one] => one,
            [] => return Err(ScaffoldError::NoSoapService),
            _ => return Err(ScaffoldError::SeveralServices(names())),
        },
    };
    let mut y = String::new();
    let _ = writeln!(
        y,
        "# soapbridge mapping: REST facade for SOAP service {} (JSON in, JSON out).",
        svc.name.local
    );
    let _ = writeln!(
        y,
        "# Written by `soapbridge scaffold`; works as is. Reference: mappings/README.md"
    );
    let _ = writeln!(y, "contract: {}", yaml_str(&contract_ref.to_string_lossy()));
    let _ = writeln!(y, "flow: rest-to-soap");
    if c.services().count() > 1 {
        let _ = writeln!(y, "service: {}", yaml_str(&svc.name.local));
    }
    let _ = writeln!(y, "path: {}", yaml_str(&format!("/api/{}", svc.name.local)));
    match upstream {
        Some(u) => {
            let _ = writeln!(y, "upstream:\n  base_url: {}\n  timeout: 30s", yaml_str(u));
        }
        None => {
            let address = svc
                .ports
                .iter()
                .find_map(|p| p.address.clone())
                .unwrap_or_default();
            let _ = writeln!(y, "upstream:");
            let _ = writeln!(y, "  # base_url: the port's soap:address, {address}");
            let _ = writeln!(y, "  timeout: 30s");
        }
    }
    let _ = writeln!(y, "operations:");
    for op in soap_operations(c, svc) {
        let _ = writeln!(
            y,
            "  {}:            # POST /api/{}/{}",
            yaml_str(&op.name),
            svc.name.local,
            op.name
        );
        let _ = writeln!(y, "    timeout: 30s");
        for f in op.faults.iter().filter(|f| f.element.is_some()) {
            let _ = writeln!(
                y,
                "    # faults:                 # answer {} with another status than 400/502",
                f.name
            );
            let _ = writeln!(y, "    #   - status: 404\n    #     fault: {}", f.name);
        }
    }
    Ok(y)
}

#[cfg(test)]
mod tests {
    use super::yaml_str;

    #[test]
    fn scalars_are_quoted_when_yaml_would_misread_them() {
        assert_eq!(yaml_str("GetOrder"), "GetOrder");
        assert_eq!(yaml_str("http://host:8080/x"), "http://host:8080/x");
        assert_eq!(yaml_str("on"), "\"on\"");
        assert_eq!(yaml_str("a b"), "\"a b\"");
        assert_eq!(yaml_str("#x"), "\"#x\"");
    }
}
