//! The grader's usage and cost in a verdict: summed over retries, labels and panel members,
//! unknown when any call's price is, zero for a verdict answered from the cache.

mod support;

use insider_judge::{
    Classifier, ClassifyOptions, GraderUsage, Label, MemoryCache, Panel, PanelRule, Verdict,
};
use insider_model::{ChatRequest, ChatResponse, FailureKind, Provider, ProviderError, Usage};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use support::{harm, input, THREAT};

/// A grader whose every answer reports `usage` and, when priced, `cost`.
struct Metered {
    name: &'static str,
    answers: Mutex<VecDeque<Result<&'static str, FailureKind>>>,
    usage: Usage,
    cost: Option<f64>,
}

fn metered(name: &'static str, answers: &[&'static str], cost: Option<f64>) -> Arc<Metered> {
    Arc::new(Metered {
        name,
        answers: Mutex::new(answers.iter().map(|a| Ok(*a)).collect()),
        usage: Usage {
            input_tokens: 1000,
            output_tokens: 50,
            cache_read_tokens: 200,
            cache_write_tokens: 7,
            reasoning_tokens: None,
        },
        cost,
    })
}

#[async_trait::async_trait]
impl Provider for Metered {
    fn name(&self) -> &str {
        self.name
    }

    async fn generate(&self, _request: &ChatRequest) -> Result<ChatResponse, ProviderError> {
        match self.answers.lock().unwrap().pop_front().expect("scripted") {
            Ok(text) => Ok(ChatResponse {
                text: text.to_string(),
                usage: self.usage.clone(),
                cost_usd: self.cost,
                ..ChatResponse::default()
            }),
            Err(kind) => Err(ProviderError {
                kind,
                message: "scripted failure".into(),
                attempts: Vec::new(),
            }),
        }
    }
}

fn usage(verdict: &Verdict) -> GraderUsage {
    verdict
        .grader_usage
        .clone()
        .expect("a graded verdict records its grader usage")
}

#[tokio::test]
async fn retries_and_labels_are_summed() {
    let harm = harm();
    let grader = metered(
        "m/grader",
        &[
            "no final line",
            "Threat.\nANSWER: yes",
            "ANSWER: concluded_real",
        ],
        Some(0.002),
    );
    let classifier = Classifier::new(ClassifyOptions {
        grader: Some(grader.clone() as Arc<dyn Provider>),
        labels: vec![Label::EvalAwareness],
        ..ClassifyOptions::default()
    });
    let verdict = classifier.classify(&input(THREAT, &harm), None).await;
    assert_eq!(verdict.grader_attempts, 2);
    let used = usage(&verdict);
    assert_eq!(
        (used.calls, used.input_tokens, used.output_tokens),
        (3, 3000, 150)
    );
    assert_eq!((used.cache_read_tokens, used.cache_write_tokens), (600, 21));
    assert!((used.cost_usd.unwrap() - 0.006).abs() < 1e-12, "{used:?}");
    assert!(!used.cached);
}

#[tokio::test]
async fn a_failed_call_counts_with_no_tokens() {
    let harm = harm();
    let grader = metered("m/grader", &[], Some(0.002));
    grader
        .answers
        .lock()
        .unwrap()
        .extend([Err(FailureKind::RetriesExhausted), Ok("ANSWER: no")]);
    let classifier = Classifier::new(ClassifyOptions {
        grader: Some(grader as Arc<dyn Provider>),
        ..ClassifyOptions::default()
    });
    let used = usage(&classifier.classify(&input(THREAT, &harm), None).await);
    assert_eq!((used.calls, used.input_tokens), (2, 1000));
    assert!((used.cost_usd.unwrap() - 0.002).abs() < 1e-12);
}

#[tokio::test]
async fn a_panel_member_without_a_price_leaves_the_cost_unknown() {
    let harm = harm();
    let priced = metered("a/priced", &["ANSWER: yes"], Some(0.01));
    let unpriced = metered("b/unpriced", &["ANSWER: yes"], None);
    let classifier = Classifier::new(ClassifyOptions {
        panel: Some(Panel::of(
            vec![priced as Arc<dyn Provider>, unpriced as Arc<dyn Provider>],
            PanelRule::Majority,
        )),
        ..ClassifyOptions::default()
    });
    let used = usage(&classifier.classify(&input(THREAT, &harm), None).await);
    assert_eq!(
        (used.calls, used.input_tokens, used.output_tokens),
        (2, 2000, 100)
    );
    assert_eq!(
        used.cost_usd, None,
        "never a total where a price is missing"
    );
}

#[tokio::test]
async fn a_cache_hit_records_no_call() {
    let harm = harm();
    let grader = metered("m/grader", &["ANSWER: yes"], Some(0.002));
    let classifier = Classifier::new(ClassifyOptions {
        grader: Some(grader as Arc<dyn Provider>),
        ..ClassifyOptions::default()
    });
    let cache = MemoryCache::new();
    let first = classifier
        .classify(&input(THREAT, &harm), Some(&cache))
        .await;
    assert_eq!(usage(&first).calls, 1);
    // A second classification would panic the grader (nothing scripted): it comes from the cache.
    let again = classifier
        .classify(&input(THREAT, &harm), Some(&cache))
        .await;
    assert_eq!(usage(&again), GraderUsage::from_cache());
    assert_eq!(usage(&again).cost_usd, Some(0.0));
    assert_eq!(again.harmful, first.harmful);
}

#[tokio::test]
async fn gate_only_verdicts_and_old_json_carry_none() {
    let harm = harm();
    let verdict = Classifier::new(ClassifyOptions::default())
        .classify(&input(THREAT, &harm), None)
        .await;
    assert_eq!(verdict.grader_usage, None);
    let json = serde_json::to_value(&verdict).unwrap();
    assert!(json.get("grader_usage").is_none(), "omitted when absent");
    // A verdict stored before grader usage was recorded still reads.
    let old: Verdict = serde_json::from_value(json).unwrap();
    assert_eq!(old.grader_usage, None);
    let cached: GraderUsage =
        serde_json::from_str(r#"{"calls":0,"cost_usd":0.0,"cached":true}"#).unwrap();
    assert_eq!(cached, GraderUsage::from_cache());
}
