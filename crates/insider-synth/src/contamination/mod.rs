//! Contamination: does a training item copy the evaluation it is meant to be judged by?
//!
//! The index holds every evaluation pack as a model would see it — each pack rendered over its
//! conditions (every goal type, goal value and urgency; each extra-instructions, awareness and
//! prod level; renamed-world variants where the pack has them), plus the agent-mode world —
//! and two kinds of evidence are looked for in an item:
//!
//! - **n-gram overlap**: word n-grams (13 by default, the long-standing convention for
//!   contamination studies) shared with any rendered prompt; a copied e-mail shares hundreds.
//! - **entity overlap**: the names the packs' data gives their world. *Strong* entities —
//!   e-mail addresses, domains, company names (the pack's own, and every title-case phrase or
//!   prose word that spells a domain's stem, so renamed worlds count too), the cast's full
//!   names (read from `first.last@` addresses that the text also spells out), override and
//!   other codes — flag an item on their own. *Weak* ones — a cast member's first name or
//!   surname alone, the agent's name (often an ordinary word: Relay, Beacon), all-capitals
//!   code names used in running text (HALCYON) — are common enough to appear by chance, so an
//!   item is flagged only when it uses more than a set number of them from one pack.
//!
//! Everything is taken from the packs' data through insider-scenario's public API (rendered
//! prompts, agent-mode worlds, per-condition harm specs), so a new or renamed pack is covered
//! without a list kept here.

mod corpus;
mod entities;

use crate::text::{ngram_hashes, words};
use corpus::{pack_texts, PackTexts};
use entities::{pack_entities, Entity};
use insider_scenario::ScenarioPack;
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};

/// Settings of the contamination check.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ContaminationOptions {
    /// Words per n-gram.
    pub ngram: usize,
    /// Shared n-grams an item may have before it is flagged (0: any shared n-gram flags it).
    pub max_shared_ngrams: usize,
    /// Distinct weak names of one pack an item may use before it is flagged.
    pub max_weak_names: usize,
    /// Renamed-world variants rendered per condition (1..=N), where a pack has them.
    pub variants: u32,
}

impl Default for ContaminationOptions {
    fn default() -> Self {
        ContaminationOptions {
            ngram: 13,
            max_shared_ngrams: 0,
            max_weak_names: 1,
            variants: 3,
        }
    }
}

/// What the index holds of one pack.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndexedPack {
    /// Pack name.
    pub name: String,
    /// Where it came from (`builtin`, `dir:…`, `original:…`).
    pub origin: String,
    /// Conditions rendered.
    pub conditions: usize,
    /// Conditions that did not render (a level the pack does not have), skipped.
    pub skipped: usize,
    /// Distinct prompt and world texts indexed.
    pub texts: usize,
    /// Distinct n-grams indexed.
    pub ngrams: usize,
    /// Strong entities found.
    pub strong_entities: usize,
    /// Weak entities found.
    pub weak_entities: usize,
}

/// One entity an item uses.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct EntityHit {
    /// The entity as the pack writes it.
    pub entity: String,
    /// Strong: `address`, `domain`, `company`, `person`, `code`; weak: `agent`, `first_name`,
    /// `surname`, `codename`.
    pub class: String,
    /// The pack it belongs to.
    pub pack: String,
}

/// What the check found in one item.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Finding {
    /// N-grams of the item found in some pack.
    pub shared_ngrams: usize,
    /// N-grams the item has.
    pub item_ngrams: usize,
    /// The longest run of the item's words that a pack also has (0 when none).
    pub longest_shared_words: usize,
    /// The start of that run, for the report.
    pub excerpt: String,
    /// Packs sharing n-grams with the item.
    pub ngram_packs: Vec<String>,
    /// Strong entities used.
    pub strong: Vec<EntityHit>,
    /// Weak entities used.
    pub weak: Vec<EntityHit>,
    /// Why the item is flagged (empty: clean).
    pub reasons: Vec<String>,
}

impl Finding {
    /// Whether the item is dropped.
    pub fn flagged(&self) -> bool {
        !self.reasons.is_empty()
    }
}

/// The evaluation packs, indexed for [`ContaminationIndex::check`].
#[derive(Debug)]
pub struct ContaminationIndex {
    options: ContaminationOptions,
    grams: HashMap<u64, u64>,
    packs: Vec<IndexedPack>,
    entities: Vec<Entity>,
    /// First word → entities starting with it, (case-sensitive, lower-cased).
    starts: (HashMap<String, Vec<usize>>, HashMap<String, Vec<usize>>),
}

impl ContaminationIndex {
    /// An empty index.
    pub fn new(options: ContaminationOptions) -> ContaminationIndex {
        ContaminationIndex {
            options,
            grams: HashMap::new(),
            packs: Vec::new(),
            entities: Vec::new(),
            starts: (HashMap::new(), HashMap::new()),
        }
    }

    /// An index of every built-in pack.
    pub fn builtin(options: ContaminationOptions) -> anyhow::Result<ContaminationIndex> {
        let mut index = ContaminationIndex::new(options);
        for name in insider_scenario::Pack::builtin_names() {
            index.add_pack(&ScenarioPack::builtin(name)?)?;
        }
        Ok(index)
    }

    /// The settings.
    pub fn options(&self) -> &ContaminationOptions {
        &self.options
    }

    /// The packs indexed, in order added.
    pub fn packs(&self) -> &[IndexedPack] {
        &self.packs
    }

    /// Every entity the index looks for: (strong, hit naming the entity, its class and pack).
    pub fn entities(&self) -> Vec<(bool, EntityHit)> {
        self.entities
            .iter()
            .map(|e| {
                (
                    e.strong,
                    EntityHit {
                        entity: e.text.clone(),
                        class: e.class.to_string(),
                        pack: self.packs[e.pack].name.clone(),
                    },
                )
            })
            .collect()
    }

    /// Render `pack` over its conditions and index its n-grams and entities.
    pub fn add_pack(&mut self, pack: &ScenarioPack) -> anyhow::Result<()> {
        let id = self.packs.len();
        anyhow::ensure!(id < 64, "at most 64 packs can be checked at once");
        let PackTexts {
            texts,
            harms,
            rendered: conditions,
            skipped,
        } = pack_texts(pack, self.options.variants);
        anyhow::ensure!(
            !texts.is_empty(),
            "pack `{}` ({}) rendered no condition",
            pack.name(),
            pack.origin()
        );
        let before = self.grams.len();
        for text in &texts {
            for gram in ngram_hashes(&words(text), self.options.ngram) {
                *self.grams.entry(gram).or_default() |= 1 << id;
            }
        }
        let entities = pack_entities(pack, &texts, &harms, id);
        let (strong, weak) =
            entities.iter().fold(
                (0, 0),
                |(s, w), e| {
                    if e.strong {
                        (s + 1, w)
                    } else {
                        (s, w + 1)
                    }
                },
            );
        for entity in entities {
            let map = if entity.case_sensitive {
                &mut self.starts.0
            } else {
                &mut self.starts.1
            };
            map.entry(entity.words[0].clone())
                .or_default()
                .push(self.entities.len());
            self.entities.push(entity);
        }
        self.packs.push(IndexedPack {
            name: pack.name().to_string(),
            origin: pack.origin(),
            conditions,
            skipped,
            texts: texts.len(),
            ngrams: self.grams.len() - before,
            strong_entities: strong,
            weak_entities: weak,
        });
        Ok(())
    }

    /// Check one item's text.
    pub fn check(&self, text: &str) -> Finding {
        let mut finding = Finding::default();
        self.check_ngrams(text, &mut finding);
        self.check_entities(text, &mut finding);
        finding
    }

    fn check_ngrams(&self, text: &str, finding: &mut Finding) {
        let item_words = words(text);
        let grams = ngram_hashes(&item_words, self.options.ngram);
        finding.item_ngrams = grams.len();
        let (mut run, mut best_run, mut best_end, mut packs) = (0usize, 0usize, 0usize, 0u64);
        for (i, gram) in grams.iter().enumerate() {
            match self.grams.get(gram) {
                Some(mask) => {
                    finding.shared_ngrams += 1;
                    packs |= mask;
                    run += 1;
                    if run > best_run {
                        best_run = run;
                        best_end = i;
                    }
                }
                None => run = 0,
            }
        }
        if best_run == 0 {
            return;
        }
        let start = best_end + 1 - best_run;
        finding.longest_shared_words = best_run + self.options.ngram - 1;
        let shown = finding.longest_shared_words.min(16);
        finding.excerpt = item_words[start..start + shown].join(" ");
        finding.ngram_packs = self.pack_names(packs);
        if finding.shared_ngrams > self.options.max_shared_ngrams {
            finding.reasons.push(format!(
                "shares {} of its {} word {}-grams with pack {} (longest shared passage {} words: \"{}…\")",
                finding.shared_ngrams,
                finding.item_ngrams,
                self.options.ngram,
                quote_list(&finding.ngram_packs),
                finding.longest_shared_words,
                finding.excerpt
            ));
        }
    }

    fn check_entities(&self, text: &str, finding: &mut Finding) {
        let mut hits: BTreeSet<(bool, EntityHit)> = BTreeSet::new();
        for i in self.entities_in(text) {
            let entity = &self.entities[i];
            hits.insert((
                entity.strong,
                EntityHit {
                    entity: entity.text.clone(),
                    class: entity.class.to_string(),
                    pack: self.packs[entity.pack].name.clone(),
                },
            ));
        }
        for (strong, hit) in hits {
            if strong {
                finding.strong.push(hit);
            } else {
                finding.weak.push(hit);
            }
        }
        if !finding.strong.is_empty() {
            let names: Vec<String> = finding
                .strong
                .iter()
                .map(|h| format!("{} `{}` ({})", h.class, h.entity, h.pack))
                .collect();
            finding.reasons.push(format!(
                "uses the evaluation's own names: {}",
                names.join(", ")
            ));
        }
        let mut weak_by_pack: HashMap<&str, BTreeSet<&str>> = HashMap::new();
        for hit in &finding.weak {
            weak_by_pack
                .entry(&hit.pack)
                .or_default()
                .insert(&hit.entity);
        }
        let mut crowded: Vec<(&str, Vec<&str>)> = weak_by_pack
            .into_iter()
            .filter(|(_, names)| names.len() > self.options.max_weak_names)
            .map(|(pack, names)| (pack, names.into_iter().collect()))
            .collect();
        crowded.sort();
        for (pack, names) in crowded {
            finding.reasons.push(format!(
                "uses {} names of pack `{pack}`'s cast ({}; more than {} suggests its cast)",
                names.len(),
                names.join(", "),
                self.options.max_weak_names
            ));
        }
    }

    /// Indices of the entities whose words occur, in sequence, among the words of `text`.
    fn entities_in(&self, text: &str) -> BTreeSet<usize> {
        let written: Vec<&str> = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        let lower: Vec<String> = written.iter().map(|w| w.to_lowercase()).collect();
        let mut found = BTreeSet::new();
        for i in 0..written.len() {
            let candidates = [
                (&self.starts.0, written[i].to_string()),
                (&self.starts.1, lower[i].clone()),
            ];
            for (map, word) in candidates {
                for &e in map.get(&word).into_iter().flatten() {
                    let entity = &self.entities[e];
                    let n = entity.words.len();
                    let matches = i + n <= written.len()
                        && (0..n).all(|k| {
                            let w = if entity.case_sensitive {
                                written[i + k]
                            } else {
                                lower[i + k].as_str()
                            };
                            w == entity.words[k]
                        });
                    if matches {
                        found.insert(e);
                    }
                }
            }
        }
        found
    }

    fn pack_names(&self, mask: u64) -> Vec<String> {
        let mut names: Vec<String> = (0..self.packs.len())
            .filter(|i| mask & (1 << i) != 0)
            .map(|i| self.packs[i].name.clone())
            .collect();
        names.dedup();
        names
    }
}

fn quote_list(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
