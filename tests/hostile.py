"""Hostile strings, and a stand-in job whose every string field is one of them.

Shared by the page test (AppTest), the browser test and the property tests. Each string is something a
server, a file or a link could send to make our page show content that is not ours.
"""

from __future__ import annotations

import copy

from devtools.standin import SyntheticRun, make_run

HOSTILE: dict[str, str] = {
    "markdown link": "**[Verify your account](https://evil.example/phish)**",
    "markdown image": "![pixel](https://evil.example/pixel.png?u=1)",
    "heading": "# Urgent\n## Read this",
    "lists": "- one\n* two\n+ three\n1. four\n2) five",
    "table": "| a | b |\n|---|---|\n| 1 | 2 |",
    "setext and rule": "Title\n=====\n\n---\n***",
    "quote and footnote": "> quoted [^1]\n\n[^1]: https://evil.example",
    "html image": "<img src=//evil.example/p.png onerror=alert(1)>",
    "script": "<script>alert(document.cookie)</script>",
    "javascript url": "[click](javascript:alert(1)) <javascript:alert(1)>",
    "bare urls": "see https://evil.example/x, www.evil.example or http://evil.example.",
    "email": "write to admin@evil.example now",
    "backtick runs": "``` `code` ``` `` ` ````",
    "code span escape": "ftjob-x` [link](https://evil.example) `",
    "streamlit directives": ":red[alert] :blue-badge[ok] :material/warning: :streamlit: :smile: :material_x:",
    "latex": "$\\frac{1}{0}$ and $$x^2$$ cost $5",
    "newlines": "line one\n\nline two\r\n\tindented\x0bvertical",
    "bidi": "gpt\u202egnp.exe\u202c \u2066isolated\u2069 \u200emarks\u200f \u061c",
    "zero width": "ft\u200b:gpt\u200c-4o\u200d\ufeff\u2060mini\u00ad",
    "controls": "a\x00b\x07c\x1bd\x7fe\x85f\x9bg",
    "tag characters": "hello\U000e0041\U000e0042\U000e007f",
    "zalgo": "Z" + "\u0300\u0301\u0302" * 40 + "algo",
    "very long": "x" * 10_000,
    "snippet quotes": 'ft:gpt-4o", messages=[]); import os; os.system("echo pwned"); ("',
    "snippet single quotes": "ft:gpt-4o'); __import__('os').system('id'); ('",
    "spreadsheet formula": "=cmd|' /C calc'!A0",
    "entities": "&lt;b&gt;bold&lt;/b&gt; &amp;lt; &#x3C;img&#x3E;",
    "plotly markup": "<b>bold</b><br><a href='https://evil.example'>x</a> %{y} %{customdata[0]}",
    "emphasis": "_under_ *star* __bold__ ~~strike~~",
    "brackets in labels": "x] :red[y] [z",
}


def hostile_run(route_id: str, text: str, *, with_checkpoints: bool = True) -> SyntheticRun:
    """A finished 40-step job whose every string is ``text``; serve it with ``add_run(run, job_id=route_id)``.

    The job's own ``id``, its status, base and fine-tuned model, method, error code and message, result
    file id, every checkpoint's id and model name, and every event's message. Checkpoint ids get a number
    in front so they stay distinct; numbers stay numbers.
    """
    base = make_run(route_id, n_steps=40, n_epochs=4, result_file=None)
    job = copy.deepcopy(base.job)
    job.update(
        id=text,
        status=text,
        model=text,
        fine_tuned_model=text,
        result_files=[text],
        training_file=text,
        validation_file=text,
        error={"code": text, "message": text, "param": text},
    )
    job["method"]["type"] = text
    checkpoints = []
    if with_checkpoints:
        for number, checkpoint in enumerate(base.checkpoints):
            checkpoints.append(
                {
                    **checkpoint,
                    "id": f"{number}{text}",
                    "fine_tuned_model_checkpoint": text,
                    "fine_tuning_job_id": text,
                }
            )
    events = [{**event, "message": text} for event in base.events]
    return SyntheticRun(job, checkpoints, events, {})
