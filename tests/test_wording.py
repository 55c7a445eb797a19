"""Counts in words: singular for exactly one, thousands separated, irregular plurals given."""

from mentortrack.wording import clock, listed, plural, tenure, verb


def test_plural_is_singular_only_for_one() -> None:
    assert plural(1, "session") == "1 session"
    assert plural(0, "session") == "0 sessions"
    assert plural(2, "red session") == "2 red sessions"
    assert plural(1234, "mentor") == "1,234 mentors"


def test_plural_takes_an_irregular_form_and_numpy_counts() -> None:
    import numpy as np

    assert plural(3, "reply", "replies") == "3 replies"
    assert plural(1, "reply", "replies") == "1 reply"
    assert plural(np.int64(1), "rating") == "1 rating"
    assert plural(2.0, "rating") == "2 ratings"


def test_verb_agrees_with_the_count() -> None:
    assert f"{plural(1, 'mentor')} {verb(1, 'has', 'have')}" == "1 mentor has"
    assert f"{plural(5, 'mentor')} {verb(5, 'has', 'have')}" == "5 mentors have"


def test_percent_never_rounds_a_few_into_none_or_all() -> None:
    from mentortrack.wording import percent

    assert [percent(1 / 234), percent(233 / 234), percent(0), percent(1), percent(0.62)] == \
        ["<1%", ">99%", "0%", "100%", "62%"]


def test_a_base_noun_phrase_is_singular_only_for_one() -> None:
    from mentortrack.wording import counted

    assert counted(1, "completed sessions with feedback") == "completed session with feedback"
    assert counted(0, "completed sessions with feedback") == "completed sessions with feedback"
    assert counted(2, "rated sessions") == "rated sessions"


def test_an_age_cohort_code_is_said_as_a_tenure() -> None:
    codes = ["a_1M", "b_2-3M", "c_4-6M", "d_7-9M", "e_10-24M", "f_>24M"]
    assert [tenure(c) for c in codes] == ["1 month", "2–3 months", "4–6 months", "7–9 months", "10–24 months",
                                          "over 24 months"]
    assert [tenure(c) for c in ["Veterans", "All learners", "(none)", "a_xM"]] == ["Veterans", "All learners",
                                                                                   "(none)", "a_xM"]


def test_a_clock_time_says_its_zone_on_that_day() -> None:
    assert clock("2025-10-29 15:00", "Asia/Kolkata") == "2025-10-29 15:00 IST"
    assert clock("2025-07-01 09:30", "Europe/London") == "2025-07-01 09:30 BST"
    assert clock("2025-12-01 09:30", "Europe/London") == "2025-12-01 09:30 GMT"
    assert clock("2025-10-29 15:00", "Asia/Dubai") == "2025-10-29 15:00 +04"


def test_a_list_reads_as_a_sentence() -> None:
    assert [listed(["a"]), listed(["a", "b"]), listed(["a", "b", "c"])] == ["a", "a and b", "a, b and c"]
