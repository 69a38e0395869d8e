//! The WordPiece learner against a spelled-out one that recounts and
//! rescores everything at every step, and its options and errors.

use super::*;
use crate::models::rng::Rng;

fn counts(words: &[(&str, u64)]) -> WordCounts {
    WordCounts {
        words: words.iter().copied().collect(),
        ..WordCounts::default()
    }
}

fn options(vocab_size: usize, min_frequency: u64) -> WordPieceTrainerOptions {
    WordPieceTrainerOptions {
        vocab_size,
        min_frequency,
        special_tokens: Vec::new(),
        ..WordPieceTrainerOptions::default()
    }
}

/// The learner spelled out: every step recounts everything and scores
/// every pair. Slow and obviously right, for checking the fast one.
fn naive(words: &[(&str, u64)], options: &WordPieceTrainerOptions) -> Vec<String> {
    let prefix = options.continuing_subword_prefix.as_str();
    let mut words: Vec<(Vec<String>, u64)> = words
        .iter()
        .map(|&(w, c)| {
            let symbols = w
                .chars()
                .enumerate()
                .map(|(i, ch)| {
                    if i == 0 {
                        ch.to_string()
                    } else {
                        format!("{prefix}{ch}")
                    }
                })
                .collect();
            (symbols, c)
        })
        .collect();
    let mut vocab: Vec<String> = options.special_tokens.clone();
    let mut initial: Vec<(String, u64)> = Vec::new();
    let mut continuing: Vec<(String, u64)> = Vec::new();
    for (symbols, c) in &words {
        for (i, s) in symbols.iter().enumerate() {
            let list = if i == 0 {
                &mut initial
            } else {
                &mut continuing
            };
            match list.iter_mut().find(|(x, _)| x == s) {
                Some(entry) => entry.1 += c,
                None => list.push((s.clone(), *c)),
            }
        }
    }
    for mut list in [initial, continuing] {
        list.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
        for (s, _) in list {
            if !vocab.contains(&s) {
                vocab.push(s);
            }
        }
    }
    while vocab.len() < options.vocab_size {
        let mut symbol_counts: Vec<(String, u64)> = Vec::new();
        let mut pair_counts: Vec<((String, String), u64)> = Vec::new();
        for (symbols, c) in &words {
            for s in symbols {
                match symbol_counts.iter_mut().find(|(x, _)| x == s) {
                    Some(entry) => entry.1 += c,
                    None => symbol_counts.push((s.clone(), *c)),
                }
            }
            for pair in symbols.windows(2) {
                let pair = (pair[0].clone(), pair[1].clone());
                match pair_counts.iter_mut().find(|(x, _)| *x == pair) {
                    Some(entry) => entry.1 += c,
                    None => pair_counts.push((pair, *c)),
                }
            }
        }
        let count_of = |s: &str| symbol_counts.iter().find(|(x, _)| x == s).unwrap().1;
        let best = pair_counts
            .iter()
            .filter(|(_, c)| *c >= options.min_frequency.max(1))
            .map(|((a, b), c)| {
                let score = *c as f64 / (count_of(a) as f64 * count_of(b) as f64);
                (score, *c, a.clone(), b.clone())
            })
            .max_by(|x, y| {
                x.0.total_cmp(&y.0)
                    .then(x.1.cmp(&y.1))
                    .then_with(|| (&y.2, &y.3).cmp(&(&x.2, &x.3)))
            });
        let Some((_, _, a, b)) = best else { break };
        let merged = format!("{a}{}", b.strip_prefix(prefix).unwrap_or(&b));
        for (symbols, _) in &mut words {
            let mut out = Vec::new();
            let mut i = 0;
            while i < symbols.len() {
                if i + 1 < symbols.len() && symbols[i] == a && symbols[i + 1] == b {
                    out.push(merged.clone());
                    i += 2;
                } else {
                    out.push(symbols[i].clone());
                    i += 1;
                }
            }
            *symbols = out;
        }
        if !vocab.contains(&merged) {
            vocab.push(merged);
        }
    }
    vocab
}

#[test]
fn picks_by_likelihood_not_frequency() {
    // count(a) = 10, count(##b) = 5, count(ab) = 5: score 5 / 50 = 0.1.
    // count(x) = 3, count(##y) = 3, count(xy) = 3: score 3 / 9 = 0.33.
    // BPE would merge the more frequent "ab" first; WordPiece takes "xy".
    let corpus = counts(&[("ab", 5), ("a", 5), ("xy", 3)]);
    let vocab = train(&corpus, &options(5, 1)).unwrap();
    assert_eq!(vocab, ["a", "x", "##b", "##y", "xy"]);
    // Then "ab"; then no pair is left, so training stops short of 100.
    let vocab = train(&corpus, &options(100, 1)).unwrap();
    assert_eq!(vocab, ["a", "x", "##b", "##y", "xy", "ab"]);
}

#[test]
fn a_merge_raises_the_scores_of_the_other_pairs_of_its_symbols() {
    // Counts: a 5, ##b 3, ##c 4, e 2, x 4, ##y 2 (alphabet in that order
    // by frequency: a x e, then ##c ##b ##y).
    // Scores: (e,##c) 2/8 = .25, (x,##y) 2/8 = .25, (a,##b) 3/15 = .2,
    // (a,##c) 2/20 = .1. Tie at .25 with equal counts: ("e","##c") is
    // the smaller pair, so "ec" first. That leaves count(##c) = 2 and
    // raises (a,##c) to 2/10 = .2. Next "xy" (.25). Then (a,##b) and
    // (a,##c) tie at .2 and the higher count (3) wins: "ab", leaving
    // count(a) = 2 and (a,##c) at 2/4 = .5: "ac".
    let corpus = counts(&[("ab", 3), ("ac", 2), ("ec", 2), ("xy", 2), ("x", 2)]);
    let vocab = train(&corpus, &options(100, 1)).unwrap();
    assert_eq!(
        vocab,
        ["a", "x", "e", "##c", "##b", "##y", "ec", "xy", "ab", "ac"]
    );
}

#[test]
fn continuing_pieces_keep_one_prefix() {
    // (##b,##c) and (a,##b) both score 2 / 4 with count 2; "##b" sorts
    // before "a", so "##bc" comes first, then "a" + "##bc" = "abc".
    let corpus = counts(&[("abc", 2)]);
    let vocab = train(&corpus, &options(100, 1)).unwrap();
    assert_eq!(vocab, ["a", "##b", "##c", "##bc", "abc"]);
}

#[test]
fn min_frequency_bars_rare_pairs() {
    // (a,##b) scores 1 / 1, above (c,##d) at 2 / 4, but occurs once.
    let corpus = counts(&[("ab", 1), ("cd", 2)]);
    let vocab = train(&corpus, &options(100, 2)).unwrap();
    assert_eq!(vocab, ["c", "a", "##d", "##b", "cd"]);
    let vocab = train(&corpus, &options(100, 1)).unwrap();
    assert_eq!(vocab, ["c", "a", "##d", "##b", "ab", "cd"]);
}

#[test]
fn specials_come_first_and_are_never_duplicated() {
    let corpus = counts(&[("[", 3), ("ab", 2), ("a", 1)]);
    let options = WordPieceTrainerOptions {
        special_tokens: vec!["[UNK]".into(), "a".into(), "[UNK]".into()],
        ..options(100, 1)
    };
    let vocab = train(&corpus, &options).unwrap();
    assert_eq!(vocab, ["[UNK]", "a", "[", "##b", "ab"]);
}

#[test]
fn limit_alphabet_drops_rare_characters_and_their_words() {
    let corpus = counts(&[("ab", 5), ("az", 1), ("zz", 1)]);
    let options = WordPieceTrainerOptions {
        limit_alphabet: Some(2),
        ..options(100, 1)
    };
    let vocab = train(&corpus, &options).unwrap();
    assert_eq!(vocab, ["a", "##b", "ab"]);
}

#[test]
fn vocab_too_small_says_what_it_needs() {
    let corpus = counts(&[("abc", 2), ("d", 1)]);
    let options = WordPieceTrainerOptions {
        vocab_size: 6,
        ..WordPieceTrainerOptions::default()
    };
    let err = train(&corpus, &options).unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, Error::InvalidArgument(_)), "{err:?}");
    assert!(message.contains("vocab_size 6"), "{message}");
    assert!(message.contains("5 special tokens"), "{message}");
    assert!(message.contains("4 alphabet symbols"), "{message}");
    // Exactly enough room: nothing learned, no error.
    let options = WordPieceTrainerOptions {
        vocab_size: 9,
        ..options
    };
    assert_eq!(train(&corpus, &options).unwrap().len(), 9);
}

#[test]
fn empty_counts_are_a_training_error() {
    let err = train(&counts(&[]), &WordPieceTrainerOptions::default()).unwrap_err();
    assert!(matches!(err, Error::Training(ref m) if m.contains("empty corpus")));
}

#[test]
fn same_vocabulary_whatever_the_thread_count() {
    use crate::train::{count_words, CorpusOptions};
    // About 1.5 MB of pseudo-words built from syllables: two chunks.
    let syllables = ["ka", "ri", "to", "me", "su", "nö", "ba", "ll", "猫", "x"];
    let mut rng = Rng::new(3);
    let mut text = String::new();
    while text.len() < 3 << 19 {
        let x = rng.next_u64();
        for k in 0..1 + (x >> 62) {
            text.push_str(syllables[((x >> (8 * k + 20)) % 10) as usize]);
        }
        text.push(if x >> 58 == 0 { '\n' } else { ' ' });
    }
    let dir = std::env::temp_dir().join(format!("tokkit-wp-threads-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("corpus.txt");
    std::fs::write(&path, &text).unwrap();
    let split = |line: &str, emit: &mut dyn FnMut(&str)| {
        for word in line.split_whitespace() {
            emit(word);
        }
        Ok(())
    };
    let vocab = |threads| {
        let corpus = CorpusOptions {
            num_threads: Some(threads),
            ..CorpusOptions::default()
        };
        let counts = count_words(std::slice::from_ref(&path), &split, &corpus).unwrap();
        let options = WordPieceTrainerOptions {
            vocab_size: 3000,
            ..WordPieceTrainerOptions::default()
        };
        train(&counts, &options).unwrap()
    };
    let one = vocab(1);
    assert!(one.len() > 100, "{}", one.len());
    assert_eq!(one, vocab(4));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn result_does_not_depend_on_map_order() {
    let words: Vec<(String, u64)> = (0..400u64)
        .map(|i| (format!("w{}x{}", i % 37, i % 11), 1 + i % 5))
        .collect();
    let forward = WordCounts {
        words: words.iter().map(|(w, c)| (w, *c)).collect(),
        ..WordCounts::default()
    };
    // Added up from small parts, backwards: other table sizes, another order.
    let mut backward = WordCounts::default();
    for part in words.rchunks(7) {
        backward
            .words
            .merge(part.iter().rev().map(|(w, c)| (w, *c)).collect());
    }
    let order = |c: &WordCounts| {
        c.words
            .iter()
            .map(|(w, _)| w.to_owned())
            .collect::<Vec<_>>()
    };
    assert_ne!(
        order(&forward),
        order(&backward),
        "the two maps must differ in order"
    );
    let options = options(80, 2);
    assert_eq!(
        train(&forward, &options).unwrap(),
        train(&backward, &options).unwrap()
    );
}

#[test]
fn agrees_with_the_naive_learner_on_random_corpora() {
    let mut rng = Rng::new(99);
    let mut next = |n: u64| rng.next_u64() % n;
    for round in 0..60 {
        let letters = ["a", "b", "c", "d", "é"];
        let alphabet = 2 + next(4);
        let mut words: Vec<(String, u64)> = Vec::new();
        for _ in 0..(5 + next(40)) {
            let len = 1 + next(9);
            let word: String = (0..len).map(|_| letters[next(alphabet) as usize]).collect();
            if !words.iter().any(|(w, _)| *w == word) {
                words.push((word, 1 + next(6)));
            }
        }
        let words: Vec<(&str, u64)> = words.iter().map(|(w, c)| (w.as_str(), *c)).collect();
        let options = WordPieceTrainerOptions {
            vocab_size: 8 + next(60) as usize,
            min_frequency: next(4),
            special_tokens: vec!["[UNK]".into()],
            // An empty prefix makes initial and continuing symbols
            // collide, which exercises symbol reuse.
            continuing_subword_prefix: if round % 3 == 0 { "" } else { "##" }.into(),
            ..WordPieceTrainerOptions::default()
        };
        let expected = naive(&words, &options);
        let got = train(&counts(&words), &options);
        if expected.len() > options.vocab_size {
            assert!(matches!(got, Err(Error::InvalidArgument(_))));
            continue;
        }
        let got = got.unwrap();
        assert_eq!(got, expected, "round {round}: {words:?}");
        let unique: FxHashSet<&String> = got.iter().collect();
        assert_eq!(unique.len(), got.len());
    }
}
