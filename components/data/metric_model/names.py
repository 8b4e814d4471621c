"""A logged name to a :class:`MetricInfo`, by the name table (:mod:`components.data.metric_model.table`).

How a name is read, in order:

1. a whole name of its own schema (OpenAI, Azure, legacy GPT-3, LLaMA-Factory's ``predict_loss``);
2. its split prefix (``eval_``, ``eval/``, ``train/``, ``valid_``, ``test_``…; none is training, as the
   Trainer logs training metrics bare), then any further prefix (TensorBoard's ``train/train_loss``);
   after ``eval_``, a named evaluation set (``eval_chat_loss``): known from a run's own names
   (:func:`eval_sets`: each set logs ``eval_<set>_runtime``), or, for one name alone, guessed when the
   rest is one of the Trainer's per-set keys and the set's words are no metric's words;
3. run bookkeeping whatever its prefix (``train/epoch``, ``eval_num_tokens``): split RUN, direction NONE;
4. the base: a whole base of the table (``rewards/margins``), a reward function (``rewards/<fn>/mean``),
   else its words: a spread (``std``) or a counter (``num``, ``per_second``) is NONE; loss, NLL,
   perplexity, WER, CER, error, MAE/MSE/RMSE are LOWER; accuracy, F1, precision, recall, MCC, AUC, ROUGE,
   BLEU, chrF, METEOR, exact match, score, reward, margin are HIGHER; words of both ways are UNKNOWN;
   bookkeeping and diagnostic words (runtime, length, KL, entropy…) are NONE; anything else is UNKNOWN.

:func:`classify` never raises: any string is a name.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from components.data.metric_model import table
from components.data.metric_model.info import Direction, DirectionSource, Kind, MetricInfo, Split

_WORD_SPLIT = re.compile(r"[^a-z0-9@+]+")
_NOT_A_SET = frozenset(
    table.LOWER_WORDS.keys()
    | table.HIGHER_WORDS.keys()
    | table.SPREAD_WORDS
    | table.NEUTRAL_WORDS
    | table.SET_QUALIFIERS
    | {"num"}
)


@dataclass(frozen=True)
class EvalSets:
    """A run's named evaluation sets, and whether it also evaluates on one whole, unnamed set.

    Without a whole set, the unprefixed ``eval_*`` series TRL logs in every set's entry mix the sets.
    """

    names: frozenset[str] = frozenset()
    whole: bool = True


@dataclass(frozen=True)
class ParsedName:
    """A name cut into its split, its evaluation set and its base (the measure's own name)."""

    split: Split
    set_name: str | None
    base: str
    word: str  # the split's word in a label: Training, Evaluation, Validation, Test


def words(text: str) -> list[str]:
    """The lower-case words of a name (``eval/rouge_Lsum`` → eval, rouge, lsum)."""
    return [word for word in _WORD_SPLIT.split(text.lower()) if word]


def _strip_prefix(name: str) -> tuple[Split, str, str] | None:
    lower = name.lower()
    for prefix, split, word in table.PREFIXES:
        if lower.startswith(prefix) and len(name) > len(prefix):
            return split, word, name[len(prefix) :]
    return None


def _strip_all(rest: str) -> str:
    """The base under any further prefixes (``train/train_loss`` → ``loss``)."""
    while (stripped := _strip_prefix(rest)) is not None:
        rest = stripped[2]
    return rest


def _could_be_set(head: str) -> bool:
    """Whether ``head`` of ``eval_<head>_loss`` may name an evaluation set: no metric's or qualifier's
    word is in it."""
    found = words(head)
    return (
        bool(found)
        and "/" not in head
        and not any(word in _NOT_A_SET or word.startswith(table.HIGHER_WORD_STARTS) for word in found)
    )


def _set_of(rest: str, sets: EvalSets | None) -> tuple[str, str] | None:
    """(set, rest after it) when ``rest`` (after ``eval_``) begins with a named evaluation set."""
    if sets is not None:
        for name in sorted(sets.names, key=len, reverse=True):
            if rest.startswith(f"{name}_") and len(rest) > len(name) + 1:
                return name, rest[len(name) + 1 :]
        return None
    for suffix in table.SET_SUFFIXES:
        head = rest[: -len(suffix) - 1]
        if rest.lower().endswith(f"_{suffix}") and _could_be_set(head):
            return head, rest[len(head) + 1 :]
    return None


def parse_name(name: str, sets: EvalSets | None = None) -> ParsedName:
    """``name`` cut into split, set and base; ``sets`` from :func:`eval_sets` (None: guess from the name)."""
    stripped = _strip_prefix(name)
    if stripped is None:
        return ParsedName(Split.TRAIN, None, _strip_all(name), "Training")
    split, word, rest = stripped
    if split is not Split.FULL_EVAL or word != "Evaluation":
        return ParsedName(split, None, _strip_all(rest), word)
    named = _set_of(rest, sets)
    if named is not None:
        return ParsedName(Split.NAMED_EVAL, named[0], _strip_all(named[1]), word)
    if sets is not None and sets.names and not sets.whole:
        return ParsedName(Split.MIXED_EVAL, None, _strip_all(rest), word)
    return ParsedName(split, None, _strip_all(rest), word)


def _phrase(base: str) -> str:
    return " ".join(word.upper() if word in table.ACRONYMS else word for word in words(base))


def _by_words(base: str) -> tuple[Kind, Direction, str]:
    """Kind, direction and phrase of a base the table does not hold whole, from its words."""
    found = words(base)
    phrase = _phrase(base)
    if table.SPREAD_WORDS.intersection(found) or "num" in found or base.lower().endswith("per_second"):
        return Kind.OTHER, Direction.NONE, phrase
    lower = [table.LOWER_WORDS[word] for word in found if word in table.LOWER_WORDS]
    higher = [table.HIGHER_WORDS.get(word, Kind.SCORE) for word in found if _is_higher_word(word)]
    if lower and not higher:
        return lower[0], Direction.LOWER, phrase
    if higher and not lower:
        return higher[0], Direction.HIGHER, phrase
    if not lower and table.NEUTRAL_WORDS.intersection(found):
        return Kind.OTHER, Direction.NONE, phrase
    return Kind.OTHER, Direction.UNKNOWN, phrase


def _is_higher_word(word: str) -> bool:
    return word in table.HIGHER_WORDS or word.startswith(table.HIGHER_WORD_STARTS)


def measure(base: str) -> tuple[Kind, Direction, str]:
    """Kind, direction and the phrase for a label of a base (a name without its split and set)."""
    whole = table.BASES.get(base.lower())
    if whole is not None:
        return whole
    function = table.REWARD_FUNCTION.fullmatch(base)
    if function is not None:
        phrase = f"reward: {function['function']} ({function['stat'].lower()})"
        if function["stat"].lower() == "mean":
            return Kind.REWARD, Direction.HIGHER, phrase
        return Kind.OTHER, Direction.NONE, phrase
    return _by_words(base)


def _label(parsed: ParsedName, phrase: str, name: str) -> str:
    if not phrase:
        return name
    text = f"{parsed.word} {phrase}"
    if parsed.split is Split.BATCH_VALID:
        return f"{text} (batch)"
    if parsed.split is Split.NAMED_EVAL:
        return f"{text} ({parsed.set_name} set)"
    if parsed.split is Split.MIXED_EVAL:
        return f"{text} (all sets together)"
    return text


def _is_run_bookkeeping(base: str) -> bool:
    lower = base.lower()
    return lower in table.RUN_BASES or lower.startswith(table.RUN_PREFIXES)


@functools.lru_cache(maxsize=8192)
def classify(name: str, sets: EvalSets | None = None) -> MetricInfo:
    """What the name table says of ``name``; ``sets`` (from :func:`eval_sets`) tells named evaluation sets
    for sure, else they are guessed from the name alone. Never raises."""
    exact = table.EXACT.get(name.lower())
    if exact is not None:
        split, kind, direction, label = exact
        return MetricInfo(name, label, split, None, kind, direction, DirectionSource.NAME_TABLE)
    parsed = parse_name(name, sets)
    if _is_run_bookkeeping(parsed.base):
        label = table.RUN_BASES.get(parsed.base.lower()) or _phrase(parsed.base).capitalize()
        return MetricInfo(
            name, label, Split.RUN, None, Kind.OTHER, Direction.NONE, DirectionSource.NAME_TABLE
        )
    kind, direction, phrase = measure(parsed.base)
    source = DirectionSource.UNKNOWN if direction is Direction.UNKNOWN else DirectionSource.NAME_TABLE
    label = _label(parsed, phrase, name)
    return MetricInfo(name, label, parsed.split, parsed.set_name, kind, direction, source)


def eval_sets(names: Iterable[str]) -> EvalSets:
    """The named evaluation sets among a run's names: each logs ``eval_<set>_runtime`` (or ``eval/<set>_
    runtime``); a run without runtimes falls back to the guess of :func:`parse_name`. ``whole`` when the
    run also logs an evaluation of one whole set (``eval_runtime`` or ``eval_loss``), or has no sets."""
    names = list(names)
    lowered = {name.lower() for name in names}
    found = {
        name[5:-8]
        for name in names
        if name.lower().startswith(("eval_", "eval/")) and name.lower().endswith("_runtime")
    }
    found.discard("")
    if not found:
        found = {parsed.set_name for parsed in map(parse_name, names) if parsed.set_name}
    whole = not found or bool(lowered & {"eval_runtime", "eval/runtime", "eval_loss", "eval/loss"})
    return EvalSets(frozenset(found), whole)


def classify_all(names: Iterable[str]) -> tuple[MetricInfo, ...]:
    """Every name of one run, with its named evaluation sets told from the run's own names."""
    names = list(names)
    sets = eval_sets(names)
    return tuple(classify(name, sets) for name in names)
