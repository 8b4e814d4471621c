"""How sure is the choice: pure statistics for the page's honest verdicts (no I/O, no Streamlit).

- :mod:`.paired`: two models on the same examples, the mean difference with its 95 % interval;
- :mod:`.multiple`: several models against the recommended one, adjusted by Holm's method;
- :mod:`.power`: how many examples would tell an observed gap apart;
- :mod:`.noise`: a batch-validation curve's noise from the series itself, and the checkpoints tied with
  the best within it;
- :mod:`.selection`: the winner's curse, the expected optimism of the best of K;
- :mod:`.seeds`: runs that differ only in their seed, grouped, banded and ranked;
- :mod:`.words`: all of it in sentences. Each module's docstring states its assumptions.
"""
