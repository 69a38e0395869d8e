//! The byte-level BPE model's tests: merge order, HF reachability, memos,
//! and character seeds against merging from bytes.

use super::*;
use crate::models::rng::Rng;

fn toy() -> BpeModel {
    let mut ranks: Vec<(Vec<u8>, u32)> = (0..=255u8).map(|b| (vec![b], u32::from(b))).collect();
    for (i, t) in ["ab", "bc", "abc", "aa", "aaaa", " t", "he", " the"]
        .iter()
        .enumerate()
    {
        ranks.push((t.as_bytes().to_vec(), 256 + i as u32));
    }
    BpeModel::from_ranks(ranks).unwrap()
}

fn encode(m: &BpeModel, text: &str) -> Vec<u32> {
    let mut out = Vec::new();
    m.encode_piece(text.as_bytes(), &mut Scratch::default(), &mut out)
        .unwrap();
    out
}

#[test]
fn merges_by_rank() {
    let m = toy();
    assert_eq!(encode(&m, "abc"), vec![258]);
    assert_eq!(encode(&m, "abcx"), vec![258, u32::from(b'x')]);
    assert_eq!(encode(&m, "aaaaa"), vec![260, u32::from(b'a')]);
    assert_eq!(encode(&m, " the"), vec![263]);
    assert_eq!(encode(&m, " thex"), vec![263, u32::from(b'x')]);
    assert_eq!(
        encode(&m, " thx"),
        vec![261, u32::from(b'h'), u32::from(b'x')]
    );
}

#[test]
fn long_piece_uses_heap_and_agrees() {
    let m = toy();
    let text = "a".repeat(1001);
    let ids = encode(&m, &text);
    assert_eq!(ids.len(), 251);
    assert!(ids[..250].iter().all(|&i| i == 260));
    assert_eq!(ids[250], u32::from(b'a'));
}

#[test]
fn model_trait_offsets_and_names() {
    let m = toy();
    let mut out = Vec::new();
    m.tokenize(" thx", &mut out).unwrap();
    let spans: Vec<(u32, u32)> = out.iter().map(|t| (t.start, t.end)).collect();
    assert_eq!(spans, vec![(0, 2), (2, 3), (3, 4)]);
    assert_eq!(m.id_to_token(263), Some("Ġthe"));
    assert_eq!(m.token_to_id("Ġthe"), Some(263));
    assert_eq!(m.vocab_size(), 264);
}

#[test]
fn hf_merges_only_reach_tokens_their_merges_build() {
    // "abc" is in the vocabulary but no merge builds it from "ab" + "c".
    let mut vocab: Vec<(Vec<u8>, u32)> = vec![
        (b"a".to_vec(), 0),
        (b"b".to_vec(), 1),
        (b"c".to_vec(), 2),
        (b"ab".to_vec(), 3),
        (b"abc".to_vec(), 4),
    ];
    let merges = [(0, 1, 3)];
    let m = BpeModel::from_merges(vocab.clone(), &merges, false).unwrap();
    assert_eq!(encode(&m, "abc"), vec![3, 2]);
    assert_eq!(encode(&m, "ab"), vec![3]);
    let m = BpeModel::from_merges(vocab.clone(), &merges, true).unwrap();
    assert_eq!(encode(&m, "abc"), vec![4]);
    vocab.push((b"bc".to_vec(), 5));
    // Lower rank first: "bc" (rank 0) before "ab" (rank 1).
    let m = BpeModel::from_merges(vocab, &[(1, 2, 5), (0, 1, 3)], false).unwrap();
    assert_eq!(encode(&m, "abc"), vec![0, 5]);
}

#[test]
fn models_sharing_a_thread_do_not_share_memos() {
    let vocab: Vec<(Vec<u8>, u32)> =
        vec![(b"a".to_vec(), 0), (b"b".to_vec(), 1), (b"ab".to_vec(), 2)];
    let merging = BpeModel::from_merges(vocab.clone(), &[(0, 1, 2)], false).unwrap();
    let not_merging = BpeModel::from_merges(vocab, &[], false).unwrap();
    for _ in 0..3 {
        let mut out = Vec::new();
        merging.tokenize("abab", &mut out).unwrap();
        assert_eq!(out.len(), 2);
        out.clear();
        not_merging.tokenize("abab", &mut out).unwrap();
        assert_eq!(out.len(), 4);
    }
}

#[test]
fn character_seeds_give_the_tokens_of_bytes() {
    // Tokens are random byte ranges of random text (so many of them cut
    // characters, and span boundaries with partial characters) with
    // random ranks: merges across boundaries of every kind and order.
    let alphabet: Vec<char> = "ab é中文ж\u{800}\u{ffff}".chars().collect();
    let mut rng = Rng::new(7);
    let text = |rng: &mut Rng, n: usize| -> String {
        (0..n)
            .map(|_| alphabet[rng.below(alphabet.len())])
            .collect()
    };
    for round in 0..20 {
        let mut tokens: Vec<Vec<u8>> = (0..=255u8).map(|b| vec![b]).collect();
        let mut seen: std::collections::HashSet<Vec<u8>> = tokens.iter().cloned().collect();
        for _ in 0..40 {
            let t = text(&mut rng, 6);
            let b = t.as_bytes();
            for _ in 0..6 {
                let i = rng.below(b.len() - 1);
                let j = (i + 2 + rng.below(5)).min(b.len());
                if seen.insert(b[i..j].to_vec()) {
                    tokens.push(b[i..j].to_vec());
                }
            }
        }
        let mut order: Vec<u32> = (256..tokens.len() as u32).collect();
        for i in (1..order.len()).rev() {
            order.swap(i, rng.below(i + 1));
        }
        let ranks: Vec<(Vec<u8>, u32)> = tokens
            .into_iter()
            .enumerate()
            .map(|(i, t)| (t, if i < 256 { i as u32 } else { order[i - 256] }))
            .collect();
        let seeded = BpeModel::from_ranks(ranks.clone()).unwrap();
        let mut from_bytes = BpeModel::from_ranks(ranks).unwrap();
        assert!(seeded.seeds.is_some());
        from_bytes.seeds = None;
        for _ in 0..200 {
            let n = 1 + rng.below(30);
            let t = text(&mut rng, n);
            let mut a = Vec::new();
            let mut b = Vec::new();
            seeded.tokenize(&t, &mut a).unwrap();
            from_bytes.tokenize(&t, &mut b).unwrap();
            assert_eq!(a, b, "round {round}: {t:?}");
        }
    }
}

#[test]
fn missing_byte_is_an_error() {
    let m = BpeModel::from_ranks(vec![(b"a".to_vec(), 0)]).unwrap();
    let mut out = Vec::new();
    assert!(m
        .encode_piece(b"ab", &mut Scratch::default(), &mut out)
        .is_err());
}
