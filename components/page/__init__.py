"""The page model: from a run and the reader's choices to a frozen description of what the page shows.

No Streamlit here, so every decision the page makes (what to recommend and how to word it, what to
compare, which rows and in which order, what the chart frames) is tested without a browser or AppTest;
``app.py`` only hands the model to the UI pieces that draw it.
"""

from components.page.model import PageModel, Prepared, build_page, prepare

__all__ = ["PageModel", "Prepared", "build_page", "prepare"]
