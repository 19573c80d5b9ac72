//! fakellm over real HTTP: each protocol's reply shape, rules, rate limits, faults, stats.

use fakellm::{FakeConfig, FakeToolCall, FakeUsage, Fault, Reply, Rule};
use serde_json::{json, Value};

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

async fn post(url: String, body: Value) -> (u16, reqwest::header::HeaderMap, String) {
    let r = client().post(url).json(&body).send().await.unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, headers, r.text().await.unwrap())
}

fn openai_body(text: &str) -> Value {
    json!({"model": "gpt-x", "messages": [{"role": "system", "content": "sys"}, {"role": "user", "content": text}]})
}

#[tokio::test(flavor = "multi_thread")]
async fn speaks_three_protocols_with_reasoning_tools_and_usage() {
    let reply = Reply {
        text: Some("hello".into()),
        reasoning: Some("thinking hard".into()),
        redacted_thinking: Some("opaque".into()),
        tool_calls: vec![FakeToolCall {
            id: "c1".into(),
            name: "email".into(),
            arguments: json!({"to": "a@b.c"}),
        }],
        usage: Some(FakeUsage {
            input_tokens: Some(100),
            output_tokens: Some(50),
            cache_read_tokens: Some(30),
            cache_write_tokens: Some(20),
            reasoning_tokens: Some(10),
        }),
        ..Reply::default()
    };
    let server = fakellm::start(FakeConfig::with_rules(vec![Rule::always(reply)])).unwrap();
    let base = server.base_url();

    let (status, _, body) = post(format!("{base}/v1/chat/completions"), openai_body("hi")).await;
    assert_eq!(status, 200);
    let v: Value = serde_json::from_str(&body).unwrap();
    let msg = &v["choices"][0]["message"];
    assert_eq!(msg["content"], "hello");
    assert_eq!(msg["reasoning_content"], "thinking hard");
    assert_eq!(msg["tool_calls"][0]["function"]["name"], "email");
    assert_eq!(
        msg["tool_calls"][0]["function"]["arguments"],
        "{\"to\":\"a@b.c\"}"
    );
    assert_eq!(v["choices"][0]["finish_reason"], "tool_calls");
    assert_eq!(v["usage"]["prompt_tokens"], 130);
    assert_eq!(v["usage"]["prompt_tokens_details"]["cached_tokens"], 30);
    assert_eq!(
        v["usage"]["completion_tokens_details"]["reasoning_tokens"],
        10
    );

    let (status, _, body) = post(
        format!("{base}/v1/messages"),
        json!({"model": "claude-x", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]}),
    )
    .await;
    assert_eq!(status, 200);
    let v: Value = serde_json::from_str(&body).unwrap();
    let kinds: Vec<&str> = v["content"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["thinking", "redacted_thinking", "text", "tool_use"]);
    assert_eq!(v["stop_reason"], "tool_use");
    assert_eq!(v["usage"]["cache_creation_input_tokens"], 20);
    assert_eq!(v["usage"]["cache_read_input_tokens"], 30);
    assert_eq!(v["model"], "claude-x");

    let (status, _, body) = post(
        format!("{base}/v1beta/models/gemini-x:generateContent"),
        json!({"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}),
    )
    .await;
    assert_eq!(status, 200);
    let v: Value = serde_json::from_str(&body).unwrap();
    let parts = &v["candidates"][0]["content"]["parts"];
    assert_eq!(parts[0]["thought"], true);
    assert_eq!(parts[1]["text"], "hello");
    assert_eq!(parts[2]["functionCall"]["name"], "email");
    assert_eq!(v["usageMetadata"]["thoughtsTokenCount"], 10);
    assert_eq!(v["usageMetadata"]["cachedContentTokenCount"], 30);
    assert_eq!(v["modelVersion"], "gemini-x");

    let stats = server.stats();
    assert_eq!(stats.requests, 3);
    assert_eq!(stats.by_status["200"], 3);
    assert_eq!(stats.by_protocol["gemini"], 1);
    assert_eq!(server.requests()[2].model, "gemini-x");
    let over_http: fakellm::Stats = serde_json::from_str(
        &client()
            .get(format!("{base}/stats"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(over_http, stats);
}

#[tokio::test(flavor = "multi_thread")]
async fn rules_match_text_and_sequences_advance() {
    let rules = fakellm::parse_rules(
        r#"{"match": "retry me", "sequence": [{"status": 503}, {"text": "second"}], "cycle": false}
{"protocol": "anthropic", "reply": {"status": 529}}
{"reply": {"text": "default"}}"#,
        "test",
    )
    .unwrap();
    let server = fakellm::start(FakeConfig::with_rules(rules)).unwrap();
    let url = format!("{}/v1/chat/completions", server.base_url());
    let (s1, _, b1) = post(url.clone(), openai_body("please retry me")).await;
    assert_eq!(s1, 503);
    assert!(b1.contains("server_error"), "{b1}");
    let (s2, _, b2) = post(url.clone(), openai_body("please retry me")).await;
    assert_eq!((s2, b2.contains("second")), (200, true));
    let (_, _, b3) = post(url.clone(), openai_body("other")).await;
    assert!(b3.contains("default"));
    let (s4, _, b4) = post(
        format!("{}/v1/messages", server.base_url()),
        json!({"model": "m", "messages": [{"role": "user", "content": "x"}]}),
    )
    .await;
    assert_eq!(s4, 529);
    assert!(b4.contains("overloaded_error"), "{b4}");
}

#[tokio::test(flavor = "multi_thread")]
async fn rpm_limit_answers_429_with_headers() {
    let server = fakellm::start(FakeConfig {
        rpm: Some(2),
        ..FakeConfig::default()
    })
    .unwrap();
    let url = format!("{}/v1/chat/completions", server.base_url());
    for _ in 0..2 {
        assert_eq!(post(url.clone(), openai_body("x")).await.0, 200);
    }
    let (status, headers, body) = post(url, openai_body("x")).await;
    assert_eq!(status, 429);
    let wait: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=30).contains(&wait), "{wait}");
    assert_eq!(headers["x-ratelimit-remaining-requests"], "0");
    assert!(body.contains("rate_limit_exceeded"));
    let (status, headers, body) = post(
        format!("{}/v1beta/models/g:generateContent", server.base_url()),
        json!({"contents": []}),
    )
    .await;
    assert_eq!(status, 429);
    assert!(headers.contains_key("retry-after"));
    assert!(
        body.contains("RESOURCE_EXHAUSTED") && body.contains("retryDelay"),
        "{body}"
    );
    let (status, headers, _) = post(
        format!("{}/v1/messages", server.base_url()),
        json!({"model": "m", "messages": []}),
    )
    .await;
    assert_eq!(status, 429);
    assert!(headers.contains_key("anthropic-ratelimit-requests-reset"));
    assert_eq!(server.stats().by_status["429"], 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn faults_break_the_transport_as_documented() {
    for (fault, check) in [
        (Fault::Drop, "send-error"),
        (Fault::Truncated, "body-error"),
        (Fault::Malformed, "bad-json"),
        (Fault::EmptyBody, "empty"),
        (Fault::Empty, "empty-text"),
    ] {
        let server = fakellm::start(FakeConfig {
            fault: Some(fault),
            ..FakeConfig::default()
        })
        .unwrap();
        let url = format!("{}/v1/chat/completions", server.base_url());
        let sent = client().post(url).json(&openai_body("x")).send().await;
        match check {
            "send-error" => assert!(sent.is_err(), "{fault:?}"),
            "body-error" => assert!(sent.unwrap().bytes().await.is_err(), "{fault:?}"),
            "bad-json" => {
                let text = sent.unwrap().text().await.unwrap();
                assert!(serde_json::from_str::<Value>(&text).is_err());
            }
            "empty" => assert!(sent.unwrap().bytes().await.unwrap().is_empty()),
            _ => {
                let v: Value = sent.unwrap().json().await.unwrap();
                assert_eq!(v["choices"][0]["message"]["content"], "");
            }
        }
        let stats = server.stats();
        assert_eq!(stats.faults, 1, "{fault:?}");
        if fault == Fault::Drop {
            assert_eq!(stats.by_status["dropped"], 1);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn slow_body_takes_its_time_and_latency_applies() {
    let server = fakellm::start(FakeConfig {
        fault: Some(Fault::SlowBody),
        slow_body_ms: 300,
        latency_ms: 100,
        ..FakeConfig::default()
    })
    .unwrap();
    let started = std::time::Instant::now();
    let (status, _, body) = post(
        format!("{}/v1/chat/completions", server.base_url()),
        openai_body("x"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(serde_json::from_str::<Value>(&body).is_ok());
    assert!(started.elapsed() >= std::time::Duration::from_millis(380));
}

#[tokio::test(flavor = "multi_thread")]
async fn peak_concurrency_counts_overlapping_requests() {
    let server = fakellm::start(FakeConfig {
        latency_ms: 200,
        ..FakeConfig::default()
    })
    .unwrap();
    let url = format!("{}/v1/chat/completions", server.base_url());
    let calls: Vec<_> = (0..8)
        .map(|_| post(url.clone(), openai_body("x")))
        .collect();
    for (status, _, _) in futures_join(calls).await {
        assert_eq!(status, 200);
    }
    let stats = server.stats();
    assert_eq!(stats.peak_concurrency, 8);
    assert_eq!(stats.in_flight, 0);
}

async fn futures_join<F: std::future::Future + Send + 'static>(futures: Vec<F>) -> Vec<F::Output>
where
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

#[test]
fn refuses_non_loopback_and_background_start_works() {
    let err = match fakellm::start_background(FakeConfig {
        addr: Some("0.0.0.0:0".parse().unwrap()),
        ..FakeConfig::default()
    }) {
        Ok(_) => panic!("bound a non-loopback address"),
        Err(e) => e,
    };
    assert!(err.to_string().contains("loopback"), "{err}");
    let server = fakellm::start_background(FakeConfig::default()).unwrap();
    let addr = server.addr();
    assert!(addr.ip().is_loopback());
    let stream = std::net::TcpStream::connect(addr);
    assert!(stream.is_ok());
    drop(stream);
    drop(server);
    std::thread::sleep(std::time::Duration::from_millis(100));
    assert!(
        std::net::TcpStream::connect(addr).is_err(),
        "closed after drop"
    );
}

#[test]
fn binary_prints_listening_line_first() {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_fakellm"))
        .args(["--addr", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    child.kill().unwrap();
    let _ = child.wait();
    let addr = line.trim().strip_prefix("listening on ").expect(&line);
    assert!(addr.parse::<std::net::SocketAddr>().unwrap().port() > 0);
    let refused = std::process::Command::new(env!("CARGO_BIN_EXE_fakellm"))
        .args(["--addr", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("loopback"));
}

#[test]
fn readme_replies_example_parses() {
    let readme = include_str!("../README.md");
    let block = readme
        .split("```jsonl\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("README has a jsonl example");
    let rules = fakellm::parse_rules(block, "README.md").unwrap();
    assert_eq!(rules.len(), 5);
}
