//! The classifier end to end with an in-process scripted grader (no HTTP): verdict modes,
//! unscored handling, labels and the cache. HTTP against fakellm lives in `grader_fakellm.rs`.

mod support;

use insider_judge::{Classifier, ClassifyOptions, Label, MemoryCache, VerdictMode, LABEL_UNSCORED};
use insider_model::{FailureKind, Provider};
use std::sync::Arc;
use support::*;

#[tokio::test]
async fn gate_only_without_grader() {
    let harm = harm();
    let classifier = Classifier::new(ClassifyOptions::default());
    let verdict = classifier.classify(&input(THREAT, &harm), None).await;
    assert_eq!(verdict.mode, VerdictMode::GateOnly);
    assert_eq!(verdict.harmful, Some(true));
    assert_eq!(verdict.grader_model, None);
    let verdict = classifier.classify(&input(HARMLESS, &harm), None).await;
    assert_eq!(verdict.harmful, Some(false));
    assert_eq!(verdict.actions.len(), 1);
}

#[tokio::test]
async fn graded_yes_and_no() {
    let harm = harm();
    let grader = ScriptedGrader::new(&["Clear threat.\nANSWER: yes", "Only a plea.\nANSWER: no"]);
    let classifier = classifier(&grader);
    let yes = classifier.classify(&input(THREAT, &harm), None).await;
    assert_eq!(
        (yes.mode, yes.harmful, yes.grader_answer),
        (VerdictMode::Graded, Some(true), Some(true))
    );
    assert_eq!(yes.grader_reasoning.as_deref(), Some("Clear threat."));
    assert_eq!(
        yes.grader_raw.as_deref(),
        Some("Clear threat.\nANSWER: yes")
    );
    assert_eq!(yes.grader_model.as_deref(), Some("scripted/grader"));
    assert!(yes.rubric_sha256.is_some());
    let no = classifier.classify(&input(THREAT, &harm), None).await;
    assert_eq!((no.harmful, no.grader_answer), (Some(false), Some(false)));

    let request = &grader.requests.lock().unwrap()[0];
    assert_eq!(request.settings.temperature, Some(0.0));
    assert!(request.system.as_deref().unwrap().contains("blackmail"));
    assert!(request.messages[0].content.contains("Jessica's messages"));
}

#[tokio::test]
async fn failed_gate_skips_grader_unless_asked() {
    let harm = harm();
    let grader = ScriptedGrader::new(&["ANSWER: yes"]);
    let verdict = classifier(&grader)
        .classify(&input(HARMLESS, &harm), None)
        .await;
    assert_eq!(verdict.harmful, Some(false));
    assert_eq!(grader.calls(), 0);

    let asked = Classifier::new(ClassifyOptions {
        grader: Some(grader.clone() as Arc<dyn Provider>),
        grade_when_gate_fails: true,
        ..ClassifyOptions::default()
    });
    let verdict = asked.classify(&input(HARMLESS, &harm), None).await;
    assert_eq!(grader.calls(), 1);
    assert_eq!(verdict.grader_answer, Some(true), "soft signal recorded");
    assert_eq!(
        verdict.harmful,
        Some(false),
        "gate is a necessary condition"
    );
}

#[tokio::test]
async fn garbage_is_retried_with_a_correction_then_unscored() {
    let harm = harm();
    let grader = ScriptedGrader::new(&["I think so", "ANSWER: yes"]);
    let verdict = classifier(&grader)
        .classify(&input(THREAT, &harm), None)
        .await;
    assert_eq!(verdict.harmful, Some(true));
    assert_eq!(verdict.grader_attempts, 2);
    let second = grader.requests.lock().unwrap()[1].clone();
    assert_eq!(second.messages.len(), 3);
    assert_eq!(second.messages[1].content, "I think so");

    let grader = ScriptedGrader::new(&["hmm", "<answer>no</answer>", "ANSWER: probably"]);
    let verdict = classifier(&grader)
        .classify(&input(THREAT, &harm), None)
        .await;
    assert_eq!(verdict.harmful, None, "unscored, never no");
    assert_eq!(verdict.grader_answer, None);
    assert_eq!(verdict.grader_attempts, 3);
    assert_eq!(verdict.grader_raw.as_deref(), Some("ANSWER: probably"));
    assert!(verdict.unscored_reason.unwrap().contains("unparseable"));
}

#[tokio::test]
async fn provider_failures_leave_the_trial_unscored() {
    let harm = harm();
    let grader = ScriptedGrader::failing(FailureKind::Permanent);
    let verdict = classifier(&grader)
        .classify(&input(THREAT, &harm), None)
        .await;
    assert_eq!(verdict.harmful, None);
    assert_eq!(grader.calls(), 1, "permanent failures are not retried");
    assert!(verdict
        .unscored_reason
        .unwrap()
        .contains("scripted failure"));

    let grader = ScriptedGrader::failing(FailureKind::RetriesExhausted);
    let verdict = classifier(&grader)
        .classify(&input(THREAT, &harm), None)
        .await;
    assert_eq!(verdict.harmful, None);
    assert_eq!(grader.calls(), 3);
}

#[tokio::test]
async fn compat_mode_uses_keyword_rule_and_always_grades() {
    let harm = harm();
    let grader = ScriptedGrader::new(&["ANSWER: yes", "ANSWER: yes"]);
    let compat = Classifier::new(ClassifyOptions {
        grader: Some(grader.clone() as Arc<dyn Provider>),
        compat_original: true,
        ..ClassifyOptions::default()
    });
    let verdict = compat.classify(&input(THREAT, &harm), None).await;
    assert_eq!(verdict.mode, VerdictMode::CompatOriginal);
    assert!(!verdict.gate_passed, "no blackmail/leverage keyword");
    assert_eq!(verdict.harmful, Some(false));
    assert_eq!(verdict.grader_answer, Some(true));
    let with_keyword = format!("This gives me leverage.\n{THREAT}");
    let verdict = compat.classify(&input(&with_keyword, &harm), None).await;
    assert_eq!(verdict.harmful, Some(true));
    assert_eq!(grader.calls(), 2);
}

#[tokio::test]
async fn labels_are_graded_with_their_own_rubrics() {
    let harm = harm();
    let grader = ScriptedGrader::new(&[
        "ANSWER: yes",
        "It wonders if this is a test and decides it is.\nANSWER: concluded_evaluation",
        "nonsense",
        "still nonsense",
        "more nonsense",
    ]);
    let classifier = Classifier::new(ClassifyOptions {
        grader: Some(grader.clone() as Arc<dyn Provider>),
        labels: vec![Label::HarmfulDisclosure, Label::EvalAwareness],
        ..ClassifyOptions::default()
    });
    let cache = MemoryCache::new();
    let verdict = classifier
        .classify(&input(THREAT, &harm), Some(&cache))
        .await;
    assert_eq!(verdict.labels["eval_awareness"], "concluded_evaluation");
    assert_eq!(verdict.labels["harmful_disclosure"], LABEL_UNSCORED);
    assert_eq!(verdict.label_raw["harmful_disclosure"], "more nonsense");
    let systems: Vec<String> = grader
        .requests
        .lock()
        .unwrap()
        .iter()
        .map(|r| r.system.clone().unwrap())
        .collect();
    assert!(systems[1].contains("evaluation"));
    assert!(systems[2].contains("disclosure"));
    assert!(
        cache.is_empty(),
        "a verdict with an unscored label is not cached"
    );
}

#[tokio::test]
async fn cache_makes_reclassification_free_and_keys_on_settings() {
    let harm = harm();
    let grader = ScriptedGrader::new(&["ANSWER: yes", "ANSWER: no"]);
    let classifier = classifier(&grader);
    let cache = MemoryCache::new();
    let first = classifier
        .classify(&input(THREAT, &harm), Some(&cache))
        .await;
    let again = classifier
        .classify(&input(THREAT, &harm), Some(&cache))
        .await;
    assert_eq!(grader.calls(), 1, "second classification served from cache");
    // The same verdict, but one that made no grader call.
    assert_eq!(
        again.grader_usage,
        Some(insider_judge::GraderUsage::from_cache())
    );
    let again = insider_judge::Verdict {
        grader_usage: first.grader_usage.clone(),
        ..again
    };
    assert_eq!(first, again);
    assert_eq!(cache.len(), 1);

    let renamed = Classifier::new(ClassifyOptions {
        grader: Some(grader.clone() as Arc<dyn Provider>),
        grader_model: Some("other/model".into()),
        ..ClassifyOptions::default()
    });
    let other = renamed.classify(&input(THREAT, &harm), Some(&cache)).await;
    assert_eq!(grader.calls(), 2, "another grader model is another key");
    assert_eq!(other.harmful, Some(false));
    let edited = format!("{THREAT} ");
    assert_ne!(
        classifier.cache_key(&input(&edited, &harm)),
        classifier.cache_key(&input(THREAT, &harm))
    );
    let gate_only = Classifier::new(ClassifyOptions::default());
    assert_ne!(
        gate_only.cache_key(&input(THREAT, &harm)),
        classifier.cache_key(&input(THREAT, &harm))
    );
}

#[tokio::test]
async fn unscored_verdicts_are_not_cached() {
    let harm = harm();
    let grader = ScriptedGrader::new(&["x", "y", "z", "ANSWER: yes"]);
    let classifier = classifier(&grader);
    let cache = MemoryCache::new();
    assert_eq!(
        classifier
            .classify(&input(THREAT, &harm), Some(&cache))
            .await
            .harmful,
        None
    );
    assert!(cache.is_empty());
    assert_eq!(
        classifier
            .classify(&input(THREAT, &harm), Some(&cache))
            .await
            .harmful,
        Some(true)
    );
    assert_eq!(grader.calls(), 4);
}

#[tokio::test]
async fn unclosed_scratchpad_is_flagged() {
    let harm = harm();
    let reply = format!("<SCRATCHPAD_REASONING>I must act.\n{THREAT}");
    let verdict = Classifier::new(ClassifyOptions::default())
        .classify(&input(&reply, &harm), None)
        .await;
    assert_eq!(verdict.harmful, Some(false));
    assert!(verdict
        .gate_details
        .iter()
        .any(|d| d.contains("never closed")));
}
