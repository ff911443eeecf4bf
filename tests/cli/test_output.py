from followtui.cli.output import csv_safe, to_csv, to_table


def test_csv_neutralises_formulas():
    for risky in ('=HYPERLINK("x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "|cmd"):
        assert csv_safe(risky).startswith("'")
    assert csv_safe(-12) == "-12" and csv_safe(0.5) == "0.5" and csv_safe("plain") == "plain"
    assert csv_safe("-12") == "'-12"  # text that looks like a number is still text (a display name)
    text = to_csv([{"handle": "=evil", "tags": ["a", "=b"]}], ["handle", "tags"])
    assert text.splitlines()[1] == "'=evil,a;=b"


def test_table_columns_align_with_wide_text():
    from rich.cells import cell_len

    rows = [{"handle": "猫猫猫", "n": 1}, {"handle": "ab", "n": 22}, {"handle": "👩‍💻x", "n": 3}]
    lines = to_table(rows, ["handle", "n"]).splitlines()
    starts = {cell_len(line[: line.rindex(" ") + 1]) for line in lines}
    assert len(starts) == 1
