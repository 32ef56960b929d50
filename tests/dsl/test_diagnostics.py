"""Diagnostics as a user reads them: the snippet of the right line, however many there are."""

from archform.dsl.diagnostics import Source, Span, error, render, to_json


class _CountingText(str):
    """Source text that counts how often the whole of it is split into lines."""

    splits = 0

    def split(self, *args, **kwargs):
        type(self).splits += 1
        return super().split(*args, **kwargs)


def test_many_diagnostics_in_a_large_file_do_not_each_reread_the_file():
    text = _CountingText("".join(f"vpc v{i} {{ cidr = 10.0.{i % 256}.0/24 }}\n" for i in range(2000)))
    source = Source("big.arch", text)
    rendered = []
    for i in range(0, 2000, 10):
        start = text.index(f"vpc v{i} ")
        rendered.append(render(error("too many VPCs", Span(source, start, start + 3))))
    assert _CountingText.splits == 0
    assert rendered[-1].splitlines()[1:4] == [
        "    --> big.arch:1991:1", "     |", "1991 | vpc v1990 { cidr = 10.0.198.0/24 }"]


def test_the_snippet_is_the_line_of_the_span_first_middle_and_last():
    source = Source("f.arch", "first\nsecond line\nlast")
    for word, line in (("first", "first"), ("line", "second line"), ("last", "last")):
        start = source.text.index(word)
        out = to_json(error("x", Span(source, start, start + len(word))))
        assert out["snippet"]["code"] == line


def test_text_that_is_not_arch_source_is_located_but_never_quoted():
    source = Source("/etc/passwd", "root:x:0:0:root:/root:/bin/bash\n", quote=False)
    diag = error("unexpected ':'", Span(source, 4, 5))
    assert "root" not in render(diag).replace("/root", "")
    assert "/etc/passwd:1:5" in render(diag)
    assert "snippet" not in to_json(diag)
