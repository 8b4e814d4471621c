"""Reading and clicking the checkpoint table in a real page: the grid draws on a canvas, and its accessible
mirror table says which row holds what and which row is ticked. The mirror has only the columns in
view, so rows are found by their step (the second column, after the ★)."""

from __future__ import annotations

from playwright.sync_api import Locator, Page

ROW_HEIGHT = 35  # st.dataframe's row (and header) height in pixels
_ROWS = """rows => rows.map(row => [
  row.getAttribute('aria-selected') === 'true',
  Array.from(row.querySelectorAll('[role=gridcell]'), cell => cell.innerText),
])"""


def grid(page: Page) -> Locator:
    return page.locator(".st-key-checkpoint_table [data-testid='stDataFrame']")


def rows(page: Page) -> list[tuple[bool, str, int]]:
    """Each row's (ticked, ★ mark, step), top to bottom."""
    found = grid(page).locator("tbody [role=row]").evaluate_all(_ROWS)
    return [(is_ticked, cells[0], int(cells[1].replace(",", ""))) for is_ticked, cells in found]


def ticked_steps(page: Page) -> list[int]:
    """The steps of the ticked rows."""
    return [step for is_ticked, _, step in rows(page) if is_ticked]


def click_row(page: Page, step: int) -> None:
    """Click the row-selection cell of the row of the checkpoint at ``step``."""
    table = grid(page)
    table.scroll_into_view_if_needed()
    # A table drawn anew (a pick made elsewhere renews it) fills its mirror after its first paint.
    table.locator("tbody [role=row]").first.wait_for(state="attached")
    found = rows(page)
    index = next((i for i, (_, _, shown) in enumerate(found) if shown == step), None)
    assert index is not None, (step, found, grid(page).count())
    box = table.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 15, box["y"] + ROW_HEIGHT * (index + 1.5))
