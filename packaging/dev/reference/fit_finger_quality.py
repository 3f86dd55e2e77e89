#!/usr/bin/env python3
"""Fits Rekam's finger quality model to NFIQ 2 scores and writes it as Rust.

The model (src/capture/finger/model.rs, docs/finger-quality.md) is a sum of boosted regression
trees of depth 3 over the fourteen summaries `model::summary` computes. This script fits them to
the NFIQ 2 scores of the tuning images and prints `src/capture/finger/trees.rs`. Only numpy is
needed; everything is deterministic (fixed seed), so the same inputs give the same file.

Usage:
    python fit_finger_quality.py SCORES.json SUMMARIES.csv [--check SCORES.json SUMMARIES.csv] \\
        > src/capture/finger/trees.rs

SCORES.json maps image names to NFIQ 2 scores (nfiq2_scores.py; null = not scored, left out).
SUMMARIES.csv has a `name` column and one column per summary, as written by
`cargo bench --bench finger_quality -- --summaries DIR`. With --check, the Spearman rank
correlation of the fitted model with NFIQ 2 on a second set (the evaluation set) is printed to
stderr, next to the tuning set's.
"""

import csv
import json
import sys

import numpy as np

TREES = 300
DEPTH = 3
LEARNING_RATE = 0.03
SUBSAMPLE = 0.7
MIN_LEAF = 20
SEED = 29794  # ISO/IEC 29794-4

NAMES = [
    "fda_sd", "rvu_sd", "ocl_p10", "ocl_sum", "lcs", "fda", "ocl", "ocl_p90", "clarity_p10",
    "of", "mmb", "blocks", "period", "rvu",
]


def load(scores_path, summaries_path):
    with open(scores_path) as f:
        scores = json.load(f)
    with open(summaries_path) as f:
        rows = {r["name"]: r for r in csv.DictReader(f)}
    names = sorted(k for k, v in scores.items() if v is not None and k in rows)
    # float32, as the Rust code computes them.
    x = np.array([[float(rows[k][c]) for c in NAMES] for k in names], dtype=np.float32)
    y = np.array([scores[k] for k in names], dtype=np.float64)
    return names, x, y


def ranks(a):
    order = np.argsort(a, kind="stable")
    r = np.empty(len(a))
    sorted_a = a[order]
    i = 0
    while i < len(a):
        j = i
        while j + 1 < len(a) and sorted_a[j + 1] == sorted_a[i]:
            j += 1
        r[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return r


def spearman(a, b):
    return float(np.corrcoef(ranks(np.asarray(a)), ranks(np.asarray(b)))[0, 1])


def best_split(x, r):
    """The (feature, threshold) that best splits residuals r by squared error, or None."""
    n = len(r)
    best = None
    best_gain = np.sum(r) ** 2 / n if n else 0.0
    for j in range(x.shape[1]):
        order = np.argsort(x[:, j], kind="stable")
        xs, rs = x[order, j], r[order]
        cs = np.cumsum(rs)
        total = cs[-1]
        left = np.arange(1, n)
        ok = (left >= MIN_LEAF) & (n - left >= MIN_LEAF) & (xs[:-1] < xs[1:])
        if not ok.any():
            continue
        gain = cs[:-1] ** 2 / left + (total - cs[:-1]) ** 2 / (n - left)
        gain[~ok] = -np.inf
        i = int(np.argmax(gain))
        if gain[i] > best_gain + 1e-9:
            best_gain = gain[i]
            # Threshold at the left value: `x <= t` splits exactly as here, in f32 too.
            best = (j, xs[i])
    return best


def fit_tree(x, r):
    """A complete tree of depth DEPTH, breadth first: 7 (feature, threshold) and 8 leaves."""
    nodes = [np.arange(len(r))]
    splits = []
    for node in range(2 ** DEPTH - 1):
        idx = nodes[node]
        split = best_split(x[idx], r[idx]) if len(idx) >= 2 * MIN_LEAF else None
        if split is None:
            j, t = 0, np.float32(np.inf)
            left, right = idx, idx[:0]
        else:
            j, t = split
            go_left = x[idx, j] <= t
            left, right = idx[go_left], idx[~go_left]
        splits.append((j, np.float32(t)))
        nodes.append(left)
        nodes.append(right)
    leaves = []
    for k in range(2 ** DEPTH):
        leaf = 2 ** DEPTH - 1 + k
        idx = nodes[leaf]
        if len(idx) == 0:
            # Never reached in training: the parent's mean.
            idx = nodes[(leaf - 1) // 2]
            if len(idx) == 0:
                idx = nodes[((leaf - 1) // 2 - 1) // 2]
        leaves.append(LEARNING_RATE * float(np.mean(r[idx])) if len(idx) else 0.0)
    return splits, [np.float32(v) for v in leaves]


def predict_tree(tree, x):
    splits, leaves = tree
    node = np.zeros(len(x), dtype=int)
    for _ in range(DEPTH):
        f = np.array([splits[n][0] for n in node])
        t = np.array([splits[n][1] for n in node], dtype=np.float32)
        go_left = x[np.arange(len(x)), f] <= t
        node = np.where(go_left, 2 * node + 1, 2 * node + 2)
    return np.array([leaves[n - (2 ** DEPTH - 1)] for n in node], dtype=np.float64)


def fit(x, y):
    rng = np.random.default_rng(SEED)
    base = np.float32(np.mean(y))
    pred = np.full(len(y), float(base))
    trees = []
    for _ in range(TREES):
        sample = np.sort(rng.choice(len(y), int(SUBSAMPLE * len(y)), replace=False))
        tree = fit_tree(x[sample], (y - pred)[sample])
        trees.append(tree)
        pred += predict_tree(tree, x)
    return base, trees


def predict(model, x):
    base, trees = model
    return float(base) + sum(predict_tree(t, x) for t in trees)


def rust_float(v):
    """The shortest literal that reads back as the same f32."""
    v = np.float32(v)
    if np.isinf(v):
        return "f32::INFINITY"
    text = np.format_float_positional(v, unique=True, trim="0")
    return text if "." in text else text + ".0"


def main(argv):
    args = argv[1:]
    check = None
    if "--check" in args:
        i = args.index("--check")
        check = args[i + 1:i + 3]
        args = args[:i] + args[i + 3:]
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    names, x, y = load(*args)
    model = fit(x, y)
    print(f"tuning images: {len(names)}, Spearman with NFIQ 2: {spearman(predict(model, x), y):.3f}",
          file=sys.stderr)
    if check:
        cn, cx, cy = load(*check)
        print(f"check images: {len(cn)}, Spearman with NFIQ 2: {spearman(predict(model, cx), cy):.3f}",
              file=sys.stderr)
    base, trees = model
    out = [
        "//! Generated by packaging/dev/reference/fit_finger_quality.py from the NFIQ 2 scores of",
        f"//! {len(names)} tuning images: do not edit. {TREES} trees of depth {DEPTH}, learning rate "
        f"{LEARNING_RATE},",
        f"//! subsample {SUBSAMPLE}, at least {MIN_LEAF} images per leaf, seed {SEED}. Each tree: the summary",
        "//! index and threshold of its 7 splits (breadth first; `x <= t` goes left) and its 8 leaves.",
        "",
        f"pub(super) const BASE: f32 = {rust_float(base)};",
        "",
        "#[rustfmt::skip]",
        f"pub(super) static TREES: [([u8; 7], [f32; 7], [f32; 8]); {len(trees)}] = [",
    ]
    for splits, leaves in trees:
        feats = ", ".join(str(j) for j, _ in splits)
        ts = ", ".join(rust_float(t) for _, t in splits)
        ls = ", ".join(rust_float(v) for v in leaves)
        out.append(f"    ([{feats}], [{ts}], [{ls}]),")
    out.append("];")
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
