"""What a validation run should score, computed by the tests on their own, so no test grades the code with
itself: token F1 written out again, and the answer the stand-in's validation file expects."""

from __future__ import annotations

import re
from collections import Counter

QUESTION = re.compile(r"What is (\d+) plus (\d+)\?")


def token_f1(said: str, wanted: str) -> float:
    """The F1 of lower-cased word tokens, counted with multiplicity."""
    a, b = re.findall(r"\w+", said.lower()), re.findall(r"\w+", wanted.lower())
    common = sum((Counter(a) & Counter(b)).values())
    if not common:
        return 0.0
    return 2 * common / (len(a) + len(b))  # = 2PR / (P + R) with P = c/|a|, R = c/|b|


def expected_answer(question: str) -> str:
    """The answer the stand-in's validation file gives to one of its questions ("What is 41 plus 17?")."""
    a, b = map(int, QUESTION.fullmatch(question).groups())
    return f"{a} plus {b} is {a + b}."
