//! An account's identity and where its requests go.

use ezk_sip_types::uri::SipUri;
use frontdesk_dialplan::DialPlan;
use std::time::Duration;

/// The SIP transport an account talks to its server over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// Plain UDP (the default for most PBXs).
    Udp,
    /// Plain TCP.
    Tcp,
    /// TLS over TCP (`sips:` is not required; `transport=tls` is used).
    Tls,
}

impl Transport {
    /// The value of the URI `transport` parameter, `None` for UDP (the default).
    pub fn uri_param(self) -> Option<&'static str> {
        match self {
            Transport::Udp => None,
            Transport::Tcp => Some("tcp"),
            Transport::Tls => Some("tls"),
        }
    }

    /// Lower-case name for status output.
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Udp => "udp",
            Transport::Tcp => "tcp",
            Transport::Tls => "tls",
        }
    }
}

/// Everything the SIP layer needs to know about one account.
#[derive(Debug, Clone)]
pub struct AccountSpec {
    /// The configured name, used in logs and events.
    pub name: String,
    /// The user part of the address of record (often the extension).
    pub user: String,
    /// The digest user name, when it differs from `user`.
    pub auth_user: Option<String>,
    /// Display name sent in From headers.
    pub display_name: Option<String>,
    /// The SIP domain: `host` or `host:port`.
    pub domain: String,
    /// Registrar/outbound proxy: `host[:port]` or a `sip:` URI. When set, every request
    /// goes there and `domain` is never resolved.
    pub proxy: Option<String>,
    /// Transport towards the server.
    pub transport: Transport,
    /// Requested registration lifetime.
    pub register_expires: Duration,
    /// How often a keep-alive is sent so NAT bindings and dead servers are noticed.
    pub keepalive_interval: Duration,
}

/// A configured address that is not a valid SIP host or URI.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct AddressError(pub String);

impl AccountSpec {
    /// The address of record, `sip:user@domain`.
    pub fn aor(&self) -> Result<SipUri, AddressError> {
        parse_uri(&format!("sip:{}@{}", self.user, self.domain))
    }

    /// The Request-URI of REGISTER: `sip:domain`.
    pub fn registrar_uri(&self) -> Result<SipUri, AddressError> {
        parse_uri(&format!("sip:{}", self.domain))
    }

    /// The URI whose host and port the first hop is taken from: the proxy when configured,
    /// else the domain. Carries the account's transport parameter.
    pub fn next_hop(&self) -> Result<SipUri, AddressError> {
        let base = match &self.proxy {
            Some(proxy) if proxy.starts_with("sip:") || proxy.starts_with("sips:") => proxy.clone(),
            Some(proxy) => format!("sip:{proxy}"),
            None => format!("sip:{}", self.domain),
        };
        let with_transport = match self.transport.uri_param() {
            Some(t) if !base.contains("transport=") => format!("{base};transport={t}"),
            _ => base,
        };
        parse_uri(&with_transport)
    }

    /// The digest user name.
    pub fn auth_user(&self) -> &str {
        self.auth_user.as_deref().unwrap_or(&self.user)
    }

    /// The Request-URI for a dial target typed by the user, with the default dial plan
    /// (three-digit extensions, numbers as typed); see [`AccountSpec::target_uri_with`].
    pub fn target_uri(&self, target: &str) -> Result<SipUri, AddressError> {
        self.target_uri_with(&DialPlan::default(), target)
    }

    /// The Request-URI for a dial target typed by the user: an extension, a phone number, a
    /// feature code, a `tel:` URI, `user@host` or a `sip:` URI.
    ///
    /// `plan` decides the user part for everything but SIP addresses: extensions and `*`/`#`
    /// codes as typed, outside numbers in the form the account's server expects (outside-line
    /// prefix, national or E.164 format).
    ///
    /// With an outbound proxy, extensions and numbers are addressed to the proxy's host so the
    /// request can be sent there without resolving the domain.
    ///
    /// A `sip:` URI in the account's own domain is a colleague's address and goes through the
    /// proxy like an extension; URIs elsewhere are called as given.
    // ezk's INVITE layer sends to the Request-URI's host, so reaching a foreign domain through
    // the proxy needs a Route-aware initiator of our own; until then such calls go direct.
    pub fn target_uri_with(&self, plan: &DialPlan, target: &str) -> Result<SipUri, AddressError> {
        let dialed = plan
            .classify(target)
            .map_err(|e| AddressError(e.to_string()))?;
        if let Some(user) = dialed.user_part() {
            return self.via_next_hop(&escape_user(user));
        }
        let uri = explicit_uri(target)?
            .ok_or_else(|| AddressError(format!("'{target}' is not a valid SIP address")))?;
        let in_our_domain = host_port_text(&uri).eq_ignore_ascii_case(&self.domain)
            || host_text(&uri).eq_ignore_ascii_case(&self.domain);
        match (&self.proxy, uri_user(&uri)) {
            (Some(_), Some(user)) if in_our_domain => self.via_next_hop(&user),
            _ => Ok(uri),
        }
    }

    /// `sip:user@<proxy or domain>` with the account's transport.
    fn via_next_hop(&self, user: &str) -> Result<SipUri, AddressError> {
        let host = match &self.proxy {
            Some(proxy) => proxy
                .trim_start_matches("sips:")
                .trim_start_matches("sip:")
                .split(';')
                .next()
                .unwrap_or(proxy)
                .to_string(),
            None => self.domain.clone(),
        };
        let transport = self
            .transport
            .uri_param()
            .map(|t| format!(";transport={t}"))
            .unwrap_or_default();
        parse_uri(&format!("sip:{user}@{host}{transport}"))
    }
}

/// A dial target without an account: only full addresses can be reached.
pub fn direct_target_uri(target: &str) -> Result<SipUri, AddressError> {
    explicit_uri(target)?.ok_or_else(|| {
        AddressError(format!(
            "'{target}' needs an account to be dialled; without one give a full address such as sip:101@192.168.1.20"
        ))
    })
}

fn explicit_uri(target: &str) -> Result<Option<SipUri>, AddressError> {
    let target = target.trim();
    for scheme in ["sip:", "sips:"] {
        let has_scheme = target
            .get(..scheme.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(scheme));
        if has_scheme {
            return parse_uri(&format!("{scheme}{}", &target[scheme.len()..])).map(Some);
        }
    }
    if target.contains('@') {
        return parse_uri(&format!("sip:{target}")).map(Some);
    }
    Ok(None)
}

/// A dial string as a URI user part: `#` is not allowed there unescaped (RFC 3261 §25.1).
fn escape_user(user: &str) -> String {
    user.replace('#', "%23")
}

/// Parses a SIP URI, with an error that names it.
pub fn parse_uri(text: &str) -> Result<SipUri, AddressError> {
    text.parse::<SipUri>()
        .map_err(|_| AddressError(format!("'{text}' is not a valid SIP address")))
}

/// The user part of a SIP URI, if it has one.
pub fn uri_user(uri: &ezk_sip_types::uri::SipUri) -> Option<String> {
    use ezk_sip_types::uri::SipUriUserPart;
    match &uri.user_part {
        SipUriUserPart::Empty => None,
        SipUriUserPart::User(user) => Some(user.to_string()),
        SipUriUserPart::UserPw(user_pw) => Some(user_pw.user.to_string()),
    }
}

fn host_text(uri: &SipUri) -> String {
    let printed = uri_to_string(&SipUri::new(uri.host_port.clone()));
    let host_port = printed.trim_start_matches("sip:");
    match uri.host_port.port {
        Some(port) => host_port.trim_end_matches(&format!(":{port}")).to_string(),
        None => host_port.to_string(),
    }
}

fn host_port_text(uri: &SipUri) -> String {
    uri_to_string(&SipUri::new(uri.host_port.clone()))
        .trim_start_matches("sip:")
        .to_string()
}

/// Prints a SIP URI the way it appears in headers.
pub fn uri_to_string(uri: &SipUri) -> String {
    use ezk_sip_types::print::AppendCtx;
    uri.default_print_ctx().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(proxy: Option<&str>, transport: Transport) -> AccountSpec {
        AccountSpec {
            name: "office".into(),
            user: "101".into(),
            auth_user: None,
            display_name: None,
            domain: "pbx.example.com".into(),
            proxy: proxy.map(str::to_string),
            transport,
            register_expires: Duration::from_secs(600),
            keepalive_interval: Duration::from_secs(30),
        }
    }

    fn print(uri: &SipUri) -> String {
        uri_to_string(uri)
    }

    #[test]
    fn an_extension_goes_to_the_domain() {
        let uri = account(None, Transport::Udp).target_uri("102").unwrap();
        assert_eq!(print(&uri), "sip:102@pbx.example.com");
    }

    #[test]
    fn with_a_proxy_the_domain_is_not_the_next_hop() {
        let a = account(Some("127.0.0.1:5070"), Transport::Tcp);
        assert_eq!(
            print(&a.target_uri("+49 (30) 1234-5").unwrap()),
            "sip:+493012345@127.0.0.1:5070;transport=tcp"
        );
        assert_eq!(
            print(&a.next_hop().unwrap()),
            "sip:127.0.0.1:5070;transport=tcp"
        );
        assert_eq!(print(&a.aor().unwrap()), "sip:101@pbx.example.com");
    }

    #[test]
    fn colleagues_addresses_in_our_domain_go_through_the_proxy() {
        let a = account(Some("127.0.0.1:5070"), Transport::Udp);
        assert_eq!(
            print(&a.target_uri("sip:102@pbx.example.com").unwrap()),
            "sip:102@127.0.0.1:5070"
        );
        assert_eq!(
            print(&a.target_uri("sip:alice@elsewhere.example").unwrap()),
            "sip:alice@elsewhere.example"
        );
    }

    #[test]
    fn full_addresses_are_kept() {
        let a = account(None, Transport::Udp);
        assert_eq!(
            print(&a.target_uri("sip:alice@10.0.0.1:5080").unwrap()),
            "sip:alice@10.0.0.1:5080"
        );
        assert_eq!(
            print(&a.target_uri("bob@10.0.0.2").unwrap()),
            "sip:bob@10.0.0.2"
        );
    }

    fn german_pbx() -> DialPlan {
        DialPlan::new(&frontdesk_dialplan::DialPlanSettings {
            country: Some("DE".into()),
            outside_line_prefix: Some("0".into()),
            ..Default::default()
        })
        .unwrap()
    }

    #[test]
    fn the_dial_plan_decides_the_user_part() {
        let plan = german_pbx();
        let a = account(Some("127.0.0.1:5070"), Transport::Tcp);
        let dial = |target: &str| print(&a.target_uri_with(&plan, target).unwrap());
        assert_eq!(
            dial("+49 30 123456"),
            "sip:0030123456@127.0.0.1:5070;transport=tcp"
        );
        assert_eq!(
            dial("tel:+44-20-7946-0958"),
            "sip:000442079460958@127.0.0.1:5070;transport=tcp"
        );
        assert_eq!(dial("1 02"), "sip:102@127.0.0.1:5070;transport=tcp");
        let b = account(None, Transport::Udp);
        let dial = |target: &str| print(&b.target_uri_with(&plan, target).unwrap());
        assert_eq!(dial("030 123456"), "sip:0030123456@pbx.example.com");
        assert_eq!(dial("*97"), "sip:*97@pbx.example.com");
        assert_eq!(dial("#31#0301234"), "sip:%2331%230301234@pbx.example.com");
    }

    #[test]
    fn sip_addresses_keep_their_routing_under_a_dial_plan() {
        let plan = german_pbx();
        let a = account(Some("127.0.0.1:5070"), Transport::Udp);
        let dial = |target: &str| print(&a.target_uri_with(&plan, target).unwrap());
        assert_eq!(dial("sip:102@pbx.example.com"), "sip:102@127.0.0.1:5070");
        assert_eq!(
            dial("sip:+4930123456@elsewhere.example"),
            "sip:+4930123456@elsewhere.example"
        );
        assert_eq!(
            dial("SIP:alice@elsewhere.example"),
            "sip:alice@elsewhere.example"
        );
        assert_eq!(dial("bob@10.0.0.2"), "sip:bob@10.0.0.2");
    }

    #[test]
    fn nonsense_is_refused_with_a_reason() {
        let a = account(None, Transport::Udp);
        let err = a.target_uri("call mum").unwrap_err();
        assert!(err.0.contains("not an extension"), "{err}");
        assert!(a.target_uri("").is_err());
        assert!(a.target_uri("12+3").is_err());
        assert!(direct_target_uri("101")
            .unwrap_err()
            .0
            .contains("needs an account"));
    }
}
