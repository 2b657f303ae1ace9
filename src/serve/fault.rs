//! SOAP faults, 1.1 and 1.2, as the answer to anything that went wrong.
//!
//! A generic fault lists the field errors in `detail`; a declared fault's
//! `detail` holds only the contract's fault element, as generated clients
//! (JAX-WS, .NET, zeep) expect. Nothing internal (paths, upstream URLs,
//! stack traces) is ever written into a fault.

use crate::codec::FieldError;
use crate::wsdl::model::SoapVersion;
use crate::xml::escape;

/// Whose fault it is: the caller's (`Client`/`Sender`) or ours or the
/// upstream's (`Server`/`Receiver`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    Client,
    Server,
    VersionMismatch,
    MustUnderstand,
}

#[derive(Debug, Clone)]
pub struct Fault {
    pub party: Party,
    pub reason: String,
    pub errors: Vec<FieldError>,
    /// The serialized fault element of a declared fault.
    pub detail_xml: Option<String>,
    /// A WS-Security failure: its `wsse:` code is the SOAP 1.1 faultcode,
    /// or the SOAP 1.2 Subcode under Sender.
    pub wsse: Option<crate::wsse::Code>,
}

impl Fault {
    pub fn new(party: Party, reason: impl Into<String>) -> Fault {
        Fault {
            party,
            reason: reason.into(),
            errors: Vec::new(),
            detail_xml: None,
            wsse: None,
        }
    }

    /// A refused `wsse:Security` header: the code's standard fault string,
    /// nothing about which check failed.
    pub fn security(code: crate::wsse::Code) -> Fault {
        Fault {
            wsse: Some(code),
            ..Fault::client(code.reason())
        }
    }

    pub fn client(reason: impl Into<String>) -> Fault {
        Fault::new(Party::Client, reason)
    }

    pub fn server(reason: impl Into<String>) -> Fault {
        Fault::new(Party::Server, reason)
    }

    /// HTTP status: SOAP 1.1 faults are 500; SOAP 1.2 sender faults 400.
    pub fn status(&self, v: SoapVersion) -> u16 {
        match (v, self.party) {
            (SoapVersion::V12, Party::Client) => 400,
            _ => 500,
        }
    }

    /// The whole fault envelope.
    pub fn envelope(&self, v: SoapVersion) -> String {
        let mut s = String::with_capacity(512);
        let (env, code) = match v {
            SoapVersion::V11 => (crate::ns::SOAP11_ENV, self.code11()),
            SoapVersion::V12 => (crate::ns::SOAP12_ENV, self.code12()),
        };
        s.push_str(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
        s.push_str(r#"<soap:Envelope xmlns:soap=""#);
        s.push_str(env);
        s.push_str(r#""><soap:Body><soap:Fault>"#);
        let detail = self.detail();
        match v {
            SoapVersion::V11 => {
                match self.wsse {
                    Some(w) => {
                        s.push_str(r#"<faultcode xmlns:wsse=""#);
                        s.push_str(crate::ns::WSSE);
                        s.push_str(r#"">wsse:"#);
                        s.push_str(w.local());
                    }
                    None => {
                        s.push_str("<faultcode>soap:");
                        s.push_str(code);
                    }
                }
                s.push_str("</faultcode><faultstring>");
                escape::text(&mut s, &escape::xml_chars(&self.reason));
                s.push_str("</faultstring>");
                if let Some(d) = detail {
                    s.push_str("<detail>");
                    s.push_str(&d);
                    s.push_str("</detail>");
                }
            }
            SoapVersion::V12 => {
                s.push_str("<soap:Code><soap:Value>soap:");
                s.push_str(code);
                s.push_str("</soap:Value>");
                if let Some(w) = self.wsse {
                    s.push_str(r#"<soap:Subcode><soap:Value xmlns:wsse=""#);
                    s.push_str(crate::ns::WSSE);
                    s.push_str(r#"">wsse:"#);
                    s.push_str(w.local());
                    s.push_str("</soap:Value></soap:Subcode>");
                }
                s.push_str(r#"</soap:Code><soap:Reason><soap:Text xml:lang="en">"#);
                escape::text(&mut s, &escape::xml_chars(&self.reason));
                s.push_str("</soap:Text></soap:Reason>");
                if let Some(d) = detail {
                    s.push_str("<soap:Detail>");
                    s.push_str(&d);
                    s.push_str("</soap:Detail>");
                }
            }
        }
        s.push_str("</soap:Fault></soap:Body></soap:Envelope>");
        s
    }

    fn code11(&self) -> &'static str {
        match self.party {
            Party::Client => "Client",
            Party::Server => "Server",
            Party::VersionMismatch => "VersionMismatch",
            Party::MustUnderstand => "MustUnderstand",
        }
    }

    fn code12(&self) -> &'static str {
        match self.party {
            Party::Client => "Sender",
            Party::Server => "Receiver",
            Party::VersionMismatch => "VersionMismatch",
            Party::MustUnderstand => "MustUnderstand",
        }
    }

    fn detail(&self) -> Option<String> {
        if let Some(d) = &self.detail_xml {
            return Some(d.clone());
        }
        if self.errors.is_empty() {
            return None;
        }
        let mut s = format!(r#"<sb:errors xmlns:sb="{}">"#, SOAPBRIDGE_NS);
        for e in &self.errors {
            s.push_str(r#"<sb:error pointer=""#);
            escape::attr(&mut s, &escape::xml_chars(&e.pointer));
            s.push_str(r#"">"#);
            escape::text(&mut s, &escape::xml_chars(&e.message));
            s.push_str("</sb:error>");
        }
        s.push_str("</sb:errors>");
        Some(s)
    }
}

/// The namespace of soapbridge's own generic fault detail.
pub const SOAPBRIDGE_NS: &str = "urn:soapbridge:fault:v1";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_versions_name_the_party_and_list_errors() {
        let mut f = Fault::client("the request breaks the contract: 1 error");
        f.errors.push(FieldError {
            pointer: "/order/line/0/qty".into(),
            message: "\"x\" is not an xs:int <&>".into(),
        });
        let v11 = f.envelope(SoapVersion::V11);
        assert!(v11.contains("<faultcode>soap:Client</faultcode>"), "{v11}");
        assert!(v11.contains(r#"<sb:error pointer="/order/line/0/qty">"x" is not an xs:int &lt;&amp;&gt;</sb:error>"#), "{v11}");
        assert_eq!(f.status(SoapVersion::V11), 500);
        let v12 = f.envelope(SoapVersion::V12);
        assert!(
            v12.contains("<soap:Value>soap:Sender</soap:Value>"),
            "{v12}"
        );
        assert_eq!(f.status(SoapVersion::V12), 400);
        crate::xml::parse(&v11, &crate::xml::Limits::default()).unwrap();
        let odd = Fault::server("upstream said \u{1}\u{0}hi").envelope(SoapVersion::V11);
        crate::xml::parse(&odd, &crate::xml::Limits::default()).unwrap();
        crate::xml::parse(&v12, &crate::xml::Limits::default()).unwrap();
    }

    #[test]
    fn security_faults_carry_the_wsse_code() {
        let f = Fault::security(crate::wsse::Code::FailedAuthentication);
        let v11 = f.envelope(SoapVersion::V11);
        assert!(
            v11.contains(">wsse:FailedAuthentication</faultcode>"),
            "{v11}"
        );
        assert!(
            v11.contains("could not be authenticated or authorized"),
            "{v11}"
        );
        let v12 = f.envelope(SoapVersion::V12);
        assert!(
            v12.contains("<soap:Value>soap:Sender</soap:Value><soap:Subcode>"),
            "{v12}"
        );
        assert_eq!(f.status(SoapVersion::V12), 400);
        for x in [v11, v12] {
            crate::xml::parse(&x, &crate::xml::Limits::default()).unwrap();
        }
    }
}
