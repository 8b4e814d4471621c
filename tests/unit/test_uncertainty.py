"""The uncertainty statistics, hand-worked and against a known truth (components/data/uncertainty)."""

import math
from statistics import NormalDist

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from components.data.uncertainty.bootstrap import bootstrap_means
from components.data.uncertainty.distributions import t_cdf, t_quantile
from components.data.uncertainty.multiple import against_reference, holm
from components.data.uncertainty.noise import curve_noise, ties_with_best
from components.data.uncertainty.paired import Method, compare_paired, expanded_tail
from components.data.uncertainty.power import examples_needed
from components.data.uncertainty.seeds import Spread, rank_configs, seed_band, seed_groups
from components.data.uncertainty.selection import example_optimism, noise_optimism
from components.data.uncertainty.words import optimism_words, paired_verdict, power_words, ranking_words
from components.domain import RunRef, RunStatus, RunSummary
from components.domain.summary import Hyperparameters

REPLICATIONS = 200


# --- distributions -----------------------------------------------------------------------------------


def test_t_cdf_matches_the_closed_forms_of_one_and_two_degrees_of_freedom():
    for t in (-3.0, -0.5, 0.0, 0.7, 4.0):
        assert t_cdf(t, 1) == pytest.approx(0.5 + math.atan(t) / math.pi, abs=1e-9)  # Cauchy
        assert t_cdf(t, 2) == pytest.approx(0.5 + t / (2 * math.sqrt(2 + t * t)), abs=1e-9)


@pytest.mark.parametrize(
    ("p", "df", "table"),
    [
        (0.975, 1, 12.706205),
        (0.975, 9, 2.262157),
        (0.975, 10, 2.228139),
        (0.975, 29, 2.045230),
        (0.995, 5, 4.032143),
        (0.025, 10, -2.228139),
    ],
)
def test_t_quantiles_match_the_printed_table(p, df, table):
    assert t_quantile(p, df) == pytest.approx(table, abs=2e-6)


# --- the bootstrap against closed forms --------------------------------------------------------------


def test_bootstrap_of_a_zero_one_sample_is_the_binomial_it_must_be():
    # 12 ones among 40: a resample's count of ones is Binomial(40, 0.3), so its mean has sd √(0.3·0.7/40)
    # and its 2.5 % and 97.5 % quantiles are the binomial's, divided by 40.
    values = np.array([1.0] * 12 + [0.0] * 28)
    means = bootstrap_means(values, 40_000, seed=1)
    assert means.mean() == pytest.approx(0.3, abs=0.002)
    assert means.std() == pytest.approx(math.sqrt(0.3 * 0.7 / 40), rel=0.02)
    pmf = [math.comb(40, k) * 0.3**k * 0.7 ** (40 - k) for k in range(41)]
    cdf = np.cumsum(pmf)
    low, high = int(np.searchsorted(cdf, 0.025)), int(np.searchsorted(cdf, 0.975))  # 7 and 18 by hand
    assert (low, high) == (7, 18)
    assert np.quantile(means, [0.025, 0.975]) * 40 == pytest.approx([low, high], abs=1)


def test_the_expanded_tail_for_ten_examples_is_worked_by_hand():
    # √(10/9) · t(0.975, 9) = 1.054093 · 2.262157 = 2.384524; 2 · (1 − Φ(2.384524)) = 0.01710
    assert expanded_tail(10, 0.95) == pytest.approx(0.01710, abs=2e-5)
    assert expanded_tail(10_000, 0.95) == pytest.approx(0.05, abs=5e-4)  # large n: the plain percentiles


def test_the_t_interval_of_one_to_ten_is_worked_by_hand():
    # d = 1..10: mean 5.5, sd 3.027650, se 0.957427, t(0.975, 9) 2.262157, half-width 2.165851.
    c = compare_paired(np.arange(1.0, 11.0), np.zeros(10))
    assert c.method is Method.T
    assert (c.mean, c.low, c.high) == pytest.approx((5.5, 3.334149, 7.665851), abs=1e-5)
    assert c.p_value == pytest.approx(2.782e-4, rel=1e-3)  # t = 5.744563 on 9 df
    assert (c.wins_a, c.wins_b, c.ties) == (1.0, 0.0, 0.0)


def test_a_skewed_small_sample_takes_the_bootstrap_and_a_large_symmetric_one_the_t():
    rare_wins = np.array([1.0] * 3 + [0.0] * 22)  # skewness 2.34: n = 25 < 25 · 2.34²
    assert compare_paired(rare_wins, np.zeros(25)).method is Method.BOOTSTRAP
    even = np.random.default_rng(3).normal(size=60)
    assert compare_paired(even, np.zeros(60)).method is Method.T


def test_large_samples_give_the_same_interval_either_way():
    # Cochran's rule aside, the two intervals agree where both hold: compare the bootstrap's by hand.
    d = np.random.default_rng(4).normal(0.1, 1.0, 400)
    c = compare_paired(d, np.zeros(400))
    means = bootstrap_means(d)
    tail = expanded_tail(400, 0.95)
    assert np.quantile(means, [tail / 2, 1 - tail / 2]) == pytest.approx([c.low, c.high], abs=0.01)


def test_few_failed_or_identical_examples_claim_nothing_they_cannot():
    few = compare_paired(np.ones(9), np.zeros(9))
    assert few.method is Method.TOO_FEW and not few.clear
    assert "Too few examples" in paired_verdict(few, "step 240", "the final model", "token F1")
    same = compare_paired(np.full(20, 0.5), np.full(20, 0.5))
    assert same.method is Method.CONSTANT and not same.clear
    failed = np.array([np.nan] * 15 + [1.0] * 9)
    assert compare_paired(failed, np.zeros(24)).n == 9  # a failed answer leaves its example out


def test_verdicts_in_words():
    better = compare_paired(np.arange(1.0, 11.0) / 100, np.zeros(10))
    assert paired_verdict(better, "Step 240", "the final model", "token F1") == (
        "Step 240 beats the final model by 5.5 points of token F1, 95 % interval 3.3 to 7.7."
    )
    worse = compare_paired(np.zeros(10), np.arange(1.0, 11.0) / 100)
    assert paired_verdict(worse, "Step 240", "the final model", "token F1") == (
        "the final model beats Step 240 by 5.5 points of token F1, 95 % interval 3.3 to 7.7."
    )
    unclear = compare_paired(np.array([1, -1, 2, -2, 3, -3, 1, -1, 2, -1.0]) / 100, np.zeros(10))
    text = paired_verdict(unclear, "Step 240", "the final model", "token F1")
    assert text.startswith("No clear difference between Step 240 and the final model: the 95 % interval −")
    assert text.endswith("includes zero.")
    assert "would take about" in power_words(unclear)


# --- Holm ----------------------------------------------------------------------------------------------


def test_holm_against_a_worked_table():
    # raw    sorted  × (k − i)  running max  in the given order
    # 0.010  0.005   × 4 = 0.02   0.02        0.010 → 0.03
    # 0.040  0.010   × 3 = 0.03   0.03        0.040 → 0.06
    # 0.030  0.030   × 2 = 0.06   0.06        0.030 → 0.06
    # 0.005  0.040   × 1 = 0.04   0.06        0.005 → 0.02
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])  # capped at 1
    assert holm([]) == []


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0.0, 1.0), min_size=1, max_size=12))
def test_holm_adjusted_values_are_at_least_raw_at_most_one_and_keep_the_order(raw):
    adjusted = holm(raw)
    assert all(r <= a + 1e-12 and a <= 1.0 for r, a in zip(raw, adjusted, strict=True))
    for i in range(len(raw)):
        for j in range(len(raw)):
            if raw[i] <= raw[j]:
                assert adjusted[i] <= adjusted[j] + 1e-12


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-1.0, 1.0), min_size=10, max_size=60))
def test_the_interval_contains_the_mean_difference(differences):
    c = compare_paired(np.array(differences), np.zeros(len(differences)))
    assert c.low - 1e-12 <= c.mean <= c.high + 1e-12
    if c.method is Method.T:  # the t's p-value and interval are one test
        assert c.clear == (c.p_value < 0.05)


# --- power ---------------------------------------------------------------------------------------------


def test_examples_needed_by_hand_and_by_simulation():
    # ((1.959964 + 0.841621) · 1 / 0.5)² = 31.40 → 32
    assert examples_needed(0.5, 1.0) == 32
    assert examples_needed(-0.5, 1.0) == 32
    assert examples_needed(0.0, 1.0) is None
    # At that many examples a true gap of 0.5 sd is found about 80 % of the time.
    n = examples_needed(0.5, 1.0)
    d = np.random.default_rng(5).normal(0.5, 1.0, (2000, n))
    t = d.mean(axis=1) / (d.std(axis=1, ddof=1) / math.sqrt(n))
    assert np.mean(np.abs(t) > t_quantile(0.975, n - 1)) == pytest.approx(0.80, abs=0.04)


# --- coverage with a known truth -----------------------------------------------------------------------


def _replicate(draw, truth: float):
    """Coverage of ``truth`` and the share called clear over seeded replications of ``draw(rng)``."""
    rng = np.random.default_rng(20)
    comparisons = [compare_paired(*draw(rng)) for _ in range(REPLICATIONS)]
    covered = np.mean([c.low <= truth <= c.high for c in comparisons])
    return covered, comparisons


def test_two_checkpoints_equal_in_expectation_are_rarely_called_different():
    def draw(rng):  # token-F1-like scores: a per-example difficulty both share, and each its own noise
        difficulty = rng.uniform(0.2, 0.9, 60)
        return tuple(np.clip(difficulty + rng.normal(0, 0.15, (2, 60)), 0, 1))

    covered, comparisons = _replicate(draw, 0.0)  # clipping is symmetric for equal models: truth is 0
    assert covered == pytest.approx(0.95, abs=0.035)
    assert np.mean([c.clear for c in comparisons]) <= 0.085


def test_a_checkpoint_better_by_a_known_margin_is_found_and_its_margin_covered():
    def draw(rng):
        difficulty = rng.normal(0.5, 0.2, 80)
        return difficulty + 0.06 + rng.normal(0, 0.15, 80), difficulty + rng.normal(0, 0.15, 80)

    covered, comparisons = _replicate(draw, 0.06)
    assert covered == pytest.approx(0.95, abs=0.035)
    # Power by hand: sd of a difference 0.212, n = 80, gap 0.06: z = 0.06 / 0.0237 = 2.53 → ~71 %.
    found = np.mean([c.clear and c.mean > 0 for c in comparisons])
    assert found == pytest.approx(0.71, abs=0.09)
    assert not any(c.clear and c.mean < 0 for c in comparisons)  # never the wrong way round


def test_the_bootstrap_covers_few_skewed_differences():
    covered, comparisons = _replicate(lambda rng: ((rng.random(25) < 0.2).astype(float), np.zeros(25)), 0.2)
    assert {c.method for c in comparisons} <= {Method.BOOTSTRAP, Method.T, Method.CONSTANT}
    assert sum(c.method is Method.BOOTSTRAP for c in comparisons) > REPLICATIONS / 2
    assert covered == pytest.approx(0.95, abs=0.04)


def test_holm_keeps_the_family_wise_error_of_four_equal_models_near_five_percent():
    rng = np.random.default_rng(21)
    false_alarms = 0
    for _ in range(REPLICATIONS):
        difficulty = rng.uniform(0.2, 0.9, 40)
        scores = {f"m{k}": difficulty + rng.normal(0, 0.1, 40) for k in range(5)}
        false_alarms += any(item.clear for item in against_reference(scores, "m0"))
    assert false_alarms / REPLICATIONS <= 0.085


# --- noise and ties ------------------------------------------------------------------------------------


def _curve(rng, sigma, points=2000):
    x = np.linspace(0, 1, points)
    return np.arange(points) * 10, 2 * np.exp(-3 * x) + 0.5 + rng.normal(0, 1, points) * sigma


def test_the_noise_of_a_series_of_known_noise():
    rng = np.random.default_rng(6)
    steps, values = _curve(rng, 0.05)
    assert curve_noise(steps, values).typical == pytest.approx(0.05, rel=0.06)
    spiked = values.copy()
    spiked[rng.random(len(values)) < 0.05] += 1.0  # one batch in twenty off by 20 σ
    assert curve_noise(steps, spiked).typical == pytest.approx(0.05, rel=0.12)


def test_the_noise_follows_a_spread_that_shrinks_along_the_run():
    rng = np.random.default_rng(7)
    sigma = np.linspace(0.10, 0.02, 3000)
    steps, values = _curve(rng, sigma, 3000)
    noise = curve_noise(steps, values)
    assert noise.at([steps[200], steps[1500], steps[2800]]) == pytest.approx(
        [sigma[200], sigma[1500], sigma[2800]], rel=0.25
    )
    assert curve_noise(steps[:12], values[:12]) is None  # too few points to tell noise from curve


def test_ties_with_the_best_by_hand():
    # σ = 0.01 everywhere: within 1.96 · √2 · 0.01 = 0.0277 of the lowest (0.50 at step 300).
    steps = [100, 200, 300, 400, 500]
    ties = ties_with_best(steps, [0.60, 0.52, 0.50, 0.51, 0.58], [0.01] * 5, higher=False)
    assert (ties.best, ties.tied, ties.earliest, ties.others) == (2, (1, 2, 3), 1, (1, 3))
    alone = ties_with_best(steps, [0.60, 0.52, 0.50, 0.51, 0.58], [0.001] * 5, higher=False)
    assert alone.tied == (2,) and alone.earliest == 2
    higher = ties_with_best(steps, [0.40, 0.48, 0.50, 0.49, 0.42], [0.01] * 5, higher=True)
    assert (higher.best, higher.tied) == (2, (1, 2, 3))


def test_equal_checkpoints_on_a_noisy_curve_are_tied_at_the_stated_rate():
    rng = np.random.default_rng(8)
    values = 0.5 + rng.normal(0, 0.02, (REPLICATIONS, 2))
    tied = [len(ties_with_best([1, 2], row, [0.02, 0.02], higher=False).tied) == 2 for row in values]
    assert np.mean(tied) == pytest.approx(0.95, abs=0.035)


# --- the winner's curse --------------------------------------------------------------------------------


def test_the_optimism_of_one_model_is_nothing_and_of_equal_models_the_expected_maximum():
    rng = np.random.default_rng(9)
    assert abs(example_optimism(rng.normal(0.5, 0.3, (100, 1)))) < 0.003
    # Two equal models, per-example sd 0.3, 100 examples: the best looks E[max of 2] = 0.03/√π = 0.0169
    # better than it is. The bootstrap sees the same selection on resamples and says so, a little less.
    estimates = [example_optimism(rng.normal(0.5, 0.3, (100, 2)), resamples=500) for _ in range(40)]
    assert 0.5 * 0.0169 < np.mean(estimates) < 1.1 * 0.0169
    clear_winner = np.column_stack([rng.normal(0.8, 0.1, 100), rng.normal(0.2, 0.1, 100)])
    assert abs(example_optimism(clear_winner)) < 0.002  # chosen by far more than luck: no curse


def test_the_optimism_of_noisy_equal_checkpoints_is_the_expected_maximum_of_their_noise():
    # E[max of 2 standard normals] = 1/√π; E[max of 3] = 3/(2√π).
    assert noise_optimism([0, 0], [1, 1], higher=True, draws=40_000) == pytest.approx(
        1 / math.sqrt(math.pi), rel=0.03
    )
    assert noise_optimism([5, 5, 5], [2, 2, 2], higher=False, draws=40_000) == pytest.approx(
        2 * 3 / (2 * math.sqrt(math.pi)), rel=0.03
    )


# --- seeds ---------------------------------------------------------------------------------------------


def _summary(run_id, lr, base="gpt-4o-mini"):
    return RunSummary(
        ref=RunRef("openai", run_id),
        status=RunStatus.SUCCEEDED,
        base_model=base,
        training_file="file-train",
        hyperparameters=Hyperparameters(n_epochs=3, batch_size=8, learning_rate_multiplier=lr),
    )


def test_runs_that_differ_only_in_their_seed_are_grouped():
    summaries = [_summary("a", 1.0), _summary("b", 2.0), _summary("c", 1.0), _summary("d", 1.0, "gpt-4o")]
    unknown = RunSummary(ref=RunRef("files", "x"), status=RunStatus.SUCCEEDED)
    assert seed_groups([*summaries, unknown, unknown]) == [[0, 2], [1], [3], [4], [5]]


def test_seeds_with_a_known_spread():
    rng = np.random.default_rng(10)
    sd, seeds = 0.02, 5
    variances, covered = [], 0
    x = np.linspace(0, 100, 51)
    truth = 1 / (1 + x / 20)
    for _ in range(REPLICATIONS):
        spread = Spread(tuple(0.5 + rng.normal(0, sd, seeds)))
        variances.append(spread.sd**2)
        band = seed_band([(x, truth + rng.normal(0, sd, 51)) for _ in range(seeds)], points=51)
        covered += np.mean(np.abs(band.mean - truth) <= 1.96 * sd / math.sqrt(seeds))
    assert np.mean(variances) == pytest.approx(sd**2, rel=0.1)  # the sample variance is unbiased
    assert covered / REPLICATIONS == pytest.approx(0.95, abs=0.02)


def test_a_band_spans_only_the_steps_every_seed_covers():
    band = seed_band(
        [(np.array([0.0, 10.0]), np.array([1.0, 0.0])), (np.array([5.0, 20.0]), np.array([1.0, 1.0]))], 6
    )
    assert band.x.tolist() == [5.0, 6.0, 7.0, 8.0, 9.0, 10.0]
    assert band.low[0] == pytest.approx(0.5) and band.high[0] == pytest.approx(1.0)
    assert band.seeds == 2
    assert (
        seed_band(
            [(np.array([0.0, 1.0]), np.array([0.0, 1.0])), (np.array([2.0, 3.0]), np.array([0.0, 1.0]))]
        )
        is None
    )


def test_configurations_ranked_by_mean_with_their_overlaps_said():
    spreads = {
        "lr 1": Spread((0.50, 0.52, 0.55)),
        "lr 2": Spread((0.54, 0.58, 0.60)),
        "lr 4": Spread((0.70, 0.72)),
        "lr 8": Spread((0.30,)),
    }
    ranked = rank_configs(spreads, higher=True)
    assert [r.label for r in ranked] == ["lr 4", "lr 2", "lr 1", "lr 8"]
    assert [r.overlaps_next for r in ranked] == [False, True, False, False]
    lines = ranking_words(ranked)
    assert (
        lines[1]
        == "2. lr 2: mean 0.573 (0.54 to 0.6 over 3 seeds, sd 0.0306); overlaps the next, so the seed alone "
        "could swap them."
    )
    assert lines[3] == "4. lr 8: mean 0.3 (one seed: its spread is unknown)."
    assert rank_configs(spreads, higher=False)[0].label == "lr 8"


def test_normal_quantiles_used_are_the_standard_ones():
    assert NormalDist().inv_cdf(0.975) == pytest.approx(1.959964, abs=1e-6)


def test_the_winners_curse_in_words():
    assert optimism_words(0.008, 4) == (
        "Expect about 0.8 points less on new data: chosen as the best of 4 on these examples, it looks "
        "better here partly by luck."
    )
    assert optimism_words(0.0361, 3, points=False, lower_is_better=True, on="this noisy curve").startswith(
        "Expect about 0.0361 higher on new data: chosen as the best of 3 on this noisy curve"
    )
    assert optimism_words(0.0004, 2) == (
        "Chosen as the best of 2 on these examples by a lead luck does not explain: expect about the same."
    )
