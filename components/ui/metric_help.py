"""Short help on what the numbers mean; users keep asking about spikes and accuracy floors."""

from __future__ import annotations

import streamlit as st

HELP = """
- **Training loss / accuracy** are measured on the batch just trained on, at every step.
- **Validation (batch)** is measured on a small sample of the validation file at some steps: cheap,
  so it is noisy. A single spike there is usually noise, not a broken run.
- **Full validation** runs over the whole validation file: at the end of each epoch on OpenAI and
  Azure OpenAI, every N steps for a Hugging Face trainer or Together AI (which call it evaluation).
  It is the most reliable number, so it decides the recommended checkpoint when present. It is never
  smoothed.
- **Loss and accuracy count tokens** of the assistant's answers (mean token accuracy), and OpenAI's
  figures include a couple of formatting tokens per example, so accuracy has a floor well above 0
  and a one-token answer that is wrong still scores about ⅔.
- **Overfitting** shows as validation loss rising while training loss keeps falling (the shaded band);
  the table's verdict and the recommendation follow the same band, and its gap column is validation
  minus training loss at each checkpoint.
- **Smoothing** is weighted by distance in steps, so batch validation (logged every few steps) and
  training (every step) are averaged over the same stretch of the run.
- **Checkpoints**: sources save them sparsely (OpenAI one at each epoch end, keeping only the last 3
  epochs), so the lowest point of a curve may have no checkpoint. Every saved checkpoint is a full model
  you can call by name.
"""


def metric_help() -> None:
    """An expander with the help text."""
    with st.expander("What do these metrics mean?", icon=":material/help:"):
        st.markdown(HELP)
