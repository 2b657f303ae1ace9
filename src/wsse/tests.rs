use super::*;

const S11: &str = "http://schemas.xmlsoap.org/soap/envelope/";

fn policy(timestamp_required: bool) -> InboundPolicy {
    InboundPolicy::new(
        vec![User {
            name: "erp-batch".into(),
            password: "Tr0ub4dor&3".into(),
            scopes: vec!["orders:write".into()],
        }],
        false,
        timestamp_required,
        300_000,
        60_000,
    )
}

fn digest(nonce: &[u8], created: &str, password: &str) -> String {
    use sha1::Digest;
    let mut h = sha1::Sha1::new();
    h.update(nonce);
    h.update(created.as_bytes());
    h.update(password.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(h.finalize())
}

fn envelope(security: &str) -> Element {
    let text = format!(
        r#"<s:Envelope xmlns:s="{S11}" xmlns:wsse="{WSSE}" xmlns:wsu="{WSU}"><s:Header>{security}</s:Header><s:Body><x/></s:Body></s:Envelope>"#
    );
    crate::xml::parse(&text, &crate::xml::Limits::default()).unwrap()
}

fn text_token(user: &str, password: &str) -> String {
    let password = password.replace('&', "&amp;");
    format!(
        r#"<wsse:UsernameToken><wsse:Username>{user}</wsse:Username><wsse:Password Type="{PASSWORD_TEXT}">{password}</wsse:Password></wsse:UsernameToken>"#
    )
}

fn digest_token(user: &str, password: &str, nonce: &[u8], created: &str) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(nonce);
    format!(
        r#"<wsse:UsernameToken><wsse:Username>{user}</wsse:Username><wsse:Password Type="{PASSWORD_DIGEST}">{}</wsse:Password><wsse:Nonce EncodingType="{BASE64_BINARY}">{b64}</wsse:Nonce><wsu:Created>{created}</wsu:Created></wsse:UsernameToken>"#,
        digest(nonce, created, password)
    )
}

fn stamp(created: Millis, expires: Millis) -> String {
    format!(
        r#"<wsu:Timestamp wsu:Id="TS-1"><wsu:Created>{}</wsu:Created><wsu:Expires>{}</wsu:Expires></wsu:Timestamp>"#,
        time::format(created),
        time::format(expires)
    )
}

fn check(p: &InboundPolicy, security_inner: &str, now: Millis) -> Result<Verified, WsseError> {
    let env = envelope(&format!(
        r#"<wsse:Security s:mustUnderstand="1">{security_inner}</wsse:Security>"#
    ));
    p.verify(&env, S11, SoapVersion::V11, now)
}

fn code(r: Result<Verified, WsseError>) -> Code {
    r.unwrap_err().code
}

#[test]
fn password_text_and_digest_authenticate_the_user() {
    let now = time::now();
    let p = policy(false);
    let v = check(&p, &text_token("erp-batch", "Tr0ub4dor&3"), now).unwrap();
    let who = v.identity.unwrap();
    assert_eq!(
        (who.client.as_str(), who.via),
        ("erp-batch", "username-token")
    );
    assert!(who.scopes.contains("orders:write"));
    let created = time::format(now);
    check(
        &p,
        &digest_token("erp-batch", "Tr0ub4dor&3", b"nonce-0001-abcdef", &created),
        now,
    )
    .unwrap();
}

#[test]
fn wrong_passwords_and_unknown_users_look_the_same() {
    let now = time::now();
    let p = policy(false);
    let a = check(&p, &text_token("erp-batch", "guess"), now).unwrap_err();
    let b = check(&p, &text_token("nobody", "Tr0ub4dor&3"), now).unwrap_err();
    assert_eq!(
        (a.code, b.code),
        (Code::FailedAuthentication, Code::FailedAuthentication)
    );
    assert_eq!(a.code.reason(), b.code.reason());
    let created = time::format(now);
    let wrong = digest_token("erp-batch", "guess", b"nonce-0002", &created);
    assert_eq!(code(check(&p, &wrong, now)), Code::FailedAuthentication);
}

#[test]
fn a_replayed_nonce_is_refused() {
    let now = time::now();
    let p = policy(false);
    let token = digest_token(
        "erp-batch",
        "Tr0ub4dor&3",
        b"nonce-0003",
        &time::format(now),
    );
    check(&p, &token, now).unwrap();
    let again = check(&p, &token, now + 1_000).unwrap_err();
    assert_eq!(again.code, Code::FailedAuthentication);
    assert!(again.why.contains("replay"), "{}", again.why);
    // Later than the window it is simply too old.
    assert_eq!(code(check(&p, &token, now + 400_000)), Code::MessageExpired);
}

#[test]
fn stale_or_future_created_is_expired() {
    let now = time::now();
    let p = policy(false);
    let old = digest_token(
        "erp-batch",
        "Tr0ub4dor&3",
        b"n-old",
        &time::format(now - 600_000),
    );
    assert_eq!(code(check(&p, &old, now)), Code::MessageExpired);
    let future = digest_token(
        "erp-batch",
        "Tr0ub4dor&3",
        b"n-fut",
        &time::format(now + 120_000),
    );
    assert_eq!(code(check(&p, &future, now)), Code::MessageExpired);
    // Within the clock skew is fine.
    let skewed = digest_token(
        "erp-batch",
        "Tr0ub4dor&3",
        b"n-skew",
        &time::format(now + 30_000),
    );
    check(&p, &skewed, now).unwrap();
}

#[test]
fn malformed_tokens_are_invalid_or_unsupported() {
    let now = time::now();
    let p = policy(false);
    let no_nonce = format!(
        r#"<wsse:UsernameToken><wsse:Username>erp-batch</wsse:Username><wsse:Password Type="{PASSWORD_DIGEST}">x</wsse:Password></wsse:UsernameToken>"#
    );
    assert_eq!(code(check(&p, &no_nonce, now)), Code::InvalidSecurityToken);
    let odd_type = r#"<wsse:UsernameToken><wsse:Username>erp-batch</wsse:Username><wsse:Password Type="urn:x#Kerberos">x</wsse:Password></wsse:UsernameToken>"#;
    assert_eq!(
        code(check(&p, odd_type, now)),
        Code::UnsupportedSecurityToken
    );
    let two = format!(
        "{}{}",
        text_token("erp-batch", "Tr0ub4dor&3"),
        text_token("erp-batch", "Tr0ub4dor&3")
    );
    assert_eq!(code(check(&p, &two, now)), Code::InvalidSecurity);
    assert_eq!(code(check(&p, "", now)), Code::InvalidSecurity, "no token");
    let digest_only = InboundPolicy::new(
        vec![User {
            name: "erp-batch".into(),
            password: "Tr0ub4dor&3".into(),
            scopes: vec![],
        }],
        true,
        false,
        300_000,
        60_000,
    );
    assert_eq!(
        code(check(
            &digest_only,
            &text_token("erp-batch", "Tr0ub4dor&3"),
            now
        )),
        Code::UnsupportedSecurityToken
    );
    // Two Security headers for this node.
    let inner = text_token("erp-batch", "Tr0ub4dor&3");
    let env = envelope(&format!(
        "<wsse:Security>{inner}</wsse:Security><wsse:Security>{inner}</wsse:Security>"
    ));
    assert_eq!(
        p.verify(&env, S11, SoapVersion::V11, now).unwrap_err().code,
        Code::InvalidSecurity
    );
    // None at all.
    let env = envelope("");
    assert_eq!(
        p.verify(&env, S11, SoapVersion::V11, now).unwrap_err().code,
        Code::InvalidSecurity
    );
}

#[test]
fn timestamps_are_required_and_checked() {
    let now = time::now();
    let p = policy(true);
    let token = text_token("erp-batch", "Tr0ub4dor&3");
    check(&p, &format!("{}{token}", stamp(now, now + 300_000)), now).unwrap();
    assert_eq!(
        code(check(&p, &token, now)),
        Code::InvalidSecurity,
        "missing"
    );
    let expired = stamp(now - 200_000, now - 100_000);
    assert_eq!(
        code(check(&p, &format!("{expired}{token}"), now)),
        Code::MessageExpired
    );
    let backwards = stamp(now, now - 1);
    assert_eq!(
        code(check(&p, &format!("{backwards}{token}"), now)),
        Code::InvalidSecurity
    );
    let no_created = format!(
        r#"<wsu:Timestamp><wsu:Expires>{}</wsu:Expires></wsu:Timestamp>{token}"#,
        time::format(now + 1000)
    );
    assert_eq!(code(check(&p, &no_created, now)), Code::InvalidSecurity);
    let two = format!(
        "{}{}{token}",
        stamp(now, now + 1000),
        stamp(now, now + 1000)
    );
    assert_eq!(code(check(&p, &two, now)), Code::InvalidSecurity);
    let unzoned = format!(
        r#"<wsu:Timestamp><wsu:Created>2026-11-26T00:00:00</wsu:Created></wsu:Timestamp>{token}"#
    );
    assert_eq!(code(check(&p, &unzoned, now)), Code::InvalidSecurity);
}

#[test]
fn the_nonce_cache_fails_closed_when_full() {
    let c = NonceCache {
        seen: Mutex::new(HashMap::new()),
        capacity: 2,
    };
    assert!(c.fresh(b"a".to_vec(), 0, 100).unwrap());
    assert!(c.fresh(b"b".to_vec(), 0, 100).unwrap());
    assert!(!c.fresh(b"a".to_vec(), 1, 100).unwrap());
    assert!(
        c.fresh(b"c".to_vec(), 1, 100).is_err(),
        "full of fresh nonces"
    );
    // Once the old ones expire there is room again.
    assert!(c.fresh(b"c".to_vec(), 200, 300).unwrap());
}
