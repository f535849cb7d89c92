"""Comparison and reporting shared by the end-to-end logits goldens (check_engine_logits.py,
check_t6_golden.py): Quire's float32 logits against a float64 reference under
|quire - ref| <= atol + rtol |ref|, and Quire's greedy continuation against the reference's, up to
a near tie in the reference. Failures exit the script with a message (sys.exit)."""
import sys

import numpy as np


def logits_error(got, ref, atol, rtol):
    """Returns (err, bound, worst): |got - ref|, the allowed difference per logit, and the largest
    err / bound (> 1 means some logit is out of tolerance). Exits when the arrays do not match in
    shape or `got` is not float32."""
    if got.shape != ref.shape or got.dtype != np.float32:
        sys.exit(f"FAIL: logits are {got.dtype} {got.shape}, expected float32 {ref.shape}")
    err = np.abs(got.astype(np.float64) - ref)
    bound = atol + rtol * np.abs(ref)
    return err, bound, float(np.max(err / bound))


def require_within(got, ref, err, bound, worst):
    """Exits naming the worst logit when `worst` (from logits_error) is over the tolerance."""
    if worst > 1.0:
        i = np.unravel_index(np.argmax(err / bound), err.shape)
        sys.exit(f"FAIL: logit [{i[0]}, {i[1]}] is {got[i]}, reference {ref[i]:.6f} "
                 f"(|diff| {err[i]:.3g} > {bound[i]:.3g}); max |diff| {err.max():.3g}")


def compare_greedy(tokens, quire_greedy, ref_greedy, expected, last_row, atol, rtol):
    """Compares the greedy continuations step by step; `last_row(seq)` gives the reference's
    float64 logits of the last position of `seq`. Stops (with a note) at a near tie in the
    reference, where the tolerance allows either token. Exits on a differing token or when Quire
    printed other than `expected` tokens. Returns how many steps were compared."""
    seq, compared = list(tokens), 0
    for step, (q, r) in enumerate(zip(quire_greedy, ref_greedy)):
        top2 = np.sort(last_row(seq))[-2:]
        if top2[1] - top2[0] < atol + rtol * abs(top2[1]):
            print(f"note: near tie at greedy step {step}; compared {compared} steps")
            break
        if q != r:
            sys.exit(f"FAIL: greedy step {step}: quire {quire_greedy}, reference {ref_greedy}")
        compared += 1
        seq.append(r)
    if len(quire_greedy) != expected:
        sys.exit(f"FAIL: quire printed {len(quire_greedy)} greedy tokens, expected {expected}")
    return compared


def expect_out_of_tolerance(err, worst, changed, reference, unseen):
    """Negative control: the reference was deliberately changed (`changed`, e.g. "without
    rope_freqs.weight"), so the logits must now be out of tolerance. Returns 0 (success) when
    they are; otherwise exits naming `reference` and what the comparison is blind to (`unseen`)."""
    if worst > 1.0:
        print(f"ok: {changed} the logits differ by up to {err.max():.3g} "
              f"({worst:.1f}x the tolerance)")
        return 0
    sys.exit(f"FAIL: {reference} still matches (max |diff| {err.max():.3g}); {unseen}")
