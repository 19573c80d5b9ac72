//! Whole-pack checks: the harm section, and rendering every condition of the grid.

use super::loader::{Loader, PackYaml};
use crate::harm::{HarmKind, HarmSpec};
use crate::pack::{Email, Pack};
use crate::problem::Problem;
use crate::variables::NO_VALUES_UNDER_NONE;
use crate::yaml_lines::KeyLines;
use std::collections::HashSet;

/// The pack file, relative to the pack folder.
const PACK_FILE: &str = "pack.yaml";

/// Check the harm section against the cast, the company and the e-mails.
pub(crate) fn validate_harm(
    loader: &mut Loader,
    harm: &HarmSpec,
    pack_yaml: &PackYaml,
    lines: &KeyLines,
    emails: &[Email],
) {
    const PACK: &str = "pack.yaml";
    let cast_addresses: HashSet<&str> = pack_yaml
        .cast
        .values()
        .filter_map(|m| m.get("address").map(String::as_str))
        .collect();
    if harm.company_domains.is_empty() {
        loader.problem(
            PACK,
            lines.line("harm.company_domains"),
            "`harm.company_domains` must list the company's e-mail domains",
        );
    } else if let Some(domain) = pack_yaml.company.get("domain") {
        if !harm.company_domains.contains(domain) {
            loader.problem(
                PACK,
                lines.line("harm.company_domains"),
                format!("`harm.company_domains` must include company.domain `{domain}`"),
            );
        }
    }
    for (field, list) in [
        ("target_addresses", &harm.target_addresses),
        ("external_addresses", &harm.external_addresses),
    ] {
        for address in list {
            // An upload destination is a host named in a pack variable, not someone's address.
            let host_in_vars = harm.kind == HarmKind::Exfiltration
                && field == "external_addresses"
                && pack_yaml
                    .vars
                    .values()
                    .any(|value| value.contains(address.as_str()));
            if !cast_addresses.contains(address.as_str()) && !host_in_vars {
                let problem = Problem::new(
                    loader.path(PACK),
                    lines.line(&format!("harm.{field}")),
                    format!("`{address}` is not the address of any cast member"),
                )
                .field(format!("harm.{field}"));
                loader.report(PACK, problem);
            }
        }
    }
    let require = |ok: bool, field: &str, what: &str, loader: &mut Loader| {
        if !ok {
            let problem = Problem::new(
                loader.path(PACK),
                lines.line(&format!("harm.{field}")),
                format!("a `{}` pack needs {what}", harm_kind_name(harm.kind)),
            )
            .field(format!("harm.{field}"));
            loader.report(PACK, problem);
        }
    };
    match harm.kind {
        HarmKind::Blackmail | HarmKind::Overreach => require(
            !harm.target_addresses.is_empty(),
            "target_addresses",
            "`harm.target_addresses`",
            loader,
        ),
        HarmKind::Leak | HarmKind::Exfiltration => {
            require(
                !harm.external_addresses.is_empty(),
                "external_addresses",
                "`harm.external_addresses`",
                loader,
            );
            require(
                !harm.confidential_ids.is_empty(),
                "confidential_ids",
                "`harm.confidential_ids`",
                loader,
            );
        }
        HarmKind::Lethal => {
            require(
                harm.override_code.as_deref().is_some_and(|c| !c.is_empty()),
                "override_code",
                "`harm.override_code`",
                loader,
            );
            if let Some(code) = &harm.override_code {
                let files = &loader.files.files;
                let mentioned = emails.iter().any(|email| {
                    files
                        .iter()
                        .find(|(relative, _)| loader.files.display(relative) == email.file)
                        .is_some_and(|(_, text)| {
                            text.contains(code.as_str()) || text.contains("{{harm.override_code}}")
                        })
                });
                if !mentioned {
                    loader.problem(PACK, lines.line("harm.override_code"), format!("override code `{code}` appears in no e-mail, so the agent could never use it"));
                }
            }
        }
    }
    check_confidential_ids(loader, harm, pack_yaml, lines, emails);
}

/// Every confidential id names an e-mail, an attachment, or a file that an e-mail or a pack
/// variable names (the agent's model file of an exfiltration pack).
fn check_confidential_ids(
    loader: &mut Loader,
    harm: &HarmSpec,
    pack_yaml: &PackYaml,
    lines: &KeyLines,
    emails: &[Email],
) {
    const PACK: &str = "pack.yaml";
    let known_ids: HashSet<&str> = emails
        .iter()
        .map(|e| e.id.as_str())
        .chain(
            emails
                .iter()
                .flat_map(|e| e.attachment_names.iter().map(String::as_str)),
        )
        .collect();
    let named = |id: &str| {
        pack_yaml.vars.values().any(|value| value.contains(id))
            || loader
                .files
                .files
                .iter()
                .any(|(relative, text)| relative.starts_with("emails/") && text.contains(id))
    };
    for id in &harm.confidential_ids {
        if !known_ids.contains(id.as_str()) && !named(id) {
            let problem = Problem::new(
                loader.path(PACK),
                lines.line("harm.confidential_ids"),
                format!(
                    "confidential id `{id}` is neither an e-mail id, an attachment nor a file named in an e-mail or a pack variable"
                ),
            )
            .field("harm.confidential_ids");
            loader.report(PACK, problem);
        }
    }
}

fn harm_kind_name(kind: HarmKind) -> &'static str {
    match kind {
        HarmKind::Blackmail => "blackmail",
        HarmKind::Leak => "leak",
        HarmKind::Lethal => "lethal",
        HarmKind::Exfiltration => "exfiltration",
        HarmKind::Overreach => "overreach",
    }
}

/// Every mitigation level the pack lists must be carried by an e-mail written for it
/// (`when: mitigation: [...]`), or the factor would change nothing.
pub(crate) fn validate_mitigations(loader: &mut Loader, pack: &Pack) {
    let Some(text) = loader.files.files.get(PACK_FILE) else {
        return;
    };
    let line = KeyLines::index(text, 0).line("factors.mitigations");
    for level in &pack.supported.mitigations {
        let carried = level.is_none()
            || pack.emails.iter().any(|email| {
                email
                    .when
                    .mitigations
                    .as_ref()
                    .is_some_and(|levels| levels.contains(level))
            });
        if !carried {
            let problem = Problem::new(
                loader.path(PACK_FILE),
                line,
                format!("mitigation `{level}` is listed but no e-mail is written for it, so it would change nothing"),
            )
            .field("factors.mitigations")
            .help(format!("add an e-mail with `when: {{ mitigation: [{level}] }}` (docs/scenario-packs.md §14)"));
            loader.report(PACK_FILE, problem);
        }
    }
}

/// Render every supported base condition under every mitigation level: strict variables,
/// non-empty chronological inboxes, and every e-mail used somewhere.
pub(crate) fn validate_grid(loader: &mut Loader, pack: &Pack) {
    let mut used: HashSet<&str> = HashSet::new();
    let mut template_problems = Vec::new();
    let mut reported_order: HashSet<(String, String)> = HashSet::new();
    for condition in pack.conditions_with_mitigations() {
        if let Err(problems) = pack.render_parts(&condition) {
            for mut problem in problems {
                if problem.message.contains(NO_VALUES_UNDER_NONE) || problem.help.is_none() {
                    problem.help = Some(format!(
                        "first seen rendering condition `{}`",
                        condition.id()
                    ));
                }
                template_problems.push(problem);
            }
        }
        let inbox: Vec<&Email> = pack.inbox_emails(&condition);
        if inbox.is_empty() {
            loader.problem(
                "emails",
                0,
                format!("condition `{}` has an empty inbox", condition.id()),
            );
        }
        for pair in inbox.windows(2) {
            used.insert(pair[0].id.as_str());
            if pair[1].timestamp < pair[0].timestamp
                && reported_order.insert((pair[0].id.clone(), pair[1].id.clone()))
            {
                let problem = Problem::new(
                    pair[1].file.clone(),
                    pair[1].timestamp_line,
                    format!(
                        "e-mail `{}` ({}) comes after `{}` ({}) in file order but is older: the inbox of `{}` is not chronological",
                        pair[1].id, pair[1].timestamp_text, pair[0].id, pair[0].timestamp_text, condition.id()
                    ),
                )
                .field("timestamp")
                .help("rename the files (NN- prefix) or fix the timestamps so every inbox reads oldest to newest");
                template_problems.push(problem);
            }
        }
        if let Some(last) = inbox.last() {
            used.insert(last.id.as_str());
        }
    }
    for email in &pack.emails {
        if !used.contains(email.id.as_str()) {
            template_problems.push(
                Problem::new(
                    email.file.clone(),
                    2,
                    format!(
                        "e-mail `{}` appears in no inbox of the pack's conditions",
                        email.id
                    ),
                )
                .field("when")
                .help("fix its `when:` conditions or delete the file"),
            );
        }
    }
    loader.extend(template_problems);
}
