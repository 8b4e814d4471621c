from components.wording import count


def test_count_puts_the_noun_in_the_right_form() -> None:
    assert count(1, "page") == "1 page"
    assert count(0, "checkpoint") == "0 checkpoints"
    assert count(2500, "checkpoint") == "2,500 checkpoints"


def test_count_says_entries_and_days() -> None:
    assert count(2, "entry") == "2 entries"
    assert count(3, "day") == "3 days"
    assert count(1, "entry") == "1 entry"
