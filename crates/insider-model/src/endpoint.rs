//! The base URL a provider calls, in a form safe to record in a ledger or print in a report:
//! user name, password, query and fragment removed (a proxy URL may carry credentials, a
//! Gemini-style URL a `key=` parameter), so only scheme, host, port and path remain.
//!
//! ```
//! use insider_model::endpoint::recordable;
//! assert_eq!(
//!     recordable("https://me:secret@proxy.example:8443/v1/?key=abc#x"),
//!     "https://proxy.example:8443/v1"
//! );
//! assert_eq!(recordable("http://127.0.0.1:9000/v1"), "http://127.0.0.1:9000/v1");
//! ```

/// `url` without user info, query or fragment, and without a trailing `/`; a URL that does
/// not parse is reduced to what precedes any `?`, `#` or `@`-separated user info.
pub fn recordable(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut parsed) => {
            // Both setters fail only for URLs that cannot have user info (not http/https).
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
            parsed.set_query(None);
            parsed.set_fragment(None);
            parsed.as_str().trim_end_matches('/').to_string()
        }
        Err(_) => {
            let head = url.split(['?', '#']).next().unwrap_or_default();
            match head.split_once("://") {
                Some((scheme, rest)) => {
                    let rest = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
                    format!("{scheme}://{}", rest.trim_end_matches('/'))
                }
                None => head.rsplit('@').next().unwrap_or_default().to_string(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::recordable;

    #[test]
    fn credentials_and_keys_never_survive() {
        for url in [
            "https://user:pa55@gateway.example/v1",
            "https://gateway.example/v1?key=pa55",
            "gateway.example/v1?key=pa55",
            "not a url://user:pa55@host/x?key=pa55",
        ] {
            let kept = recordable(url);
            assert!(!kept.contains("pa55"), "{url} -> {kept}");
            assert!(
                !kept.contains('?') && !kept.contains('@'),
                "{url} -> {kept}"
            );
        }
        assert_eq!(
            recordable("https://api.openai.com/v1/"),
            "https://api.openai.com/v1"
        );
    }
}
