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


def test_streamed_json_and_csv_are_byte_for_byte_what_the_whole_document_gives(capsys):
    from followtui.cli.output import stream, to_csv, write_json

    rows = [{"handle": "a\u2028b", "n": 1, "tags": ["x"], "note": "=cmd"}, {"handle": "ü", "n": None, "tags": [],
            "note": ""}]  # fmt: skip
    head = {"account": "github:me", "pane": "fans", "synced_at": None, "count": 2}
    for fmt in ("json", "csv"):
        stream(iter(rows), ["handle", "n", "note"], fmt, head)
        streamed = capsys.readouterr().out
        if fmt == "json":
            write_json({**head, "rows": rows})
            assert streamed == capsys.readouterr().out
        else:
            assert streamed == to_csv(rows, ["handle", "n", "note"])
    stream(iter([]), ["handle"], "json", {**head, "count": 0})
    assert capsys.readouterr().out == '{"account":"github:me","pane":"fans","synced_at":null,"count":0,"rows":[]}\n'
