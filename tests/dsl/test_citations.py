"""What the report and chaos runs show leaves the notes' section numbers out, and keeps the
sentence around them whole."""

import pytest

from archform.dsl.citations import plain


@pytest.mark.parametrize("text, shown", [
    ("neither reads nor writes (writes need 4, reads 3; notes §7.2.1)", "neither reads nor writes (writes need 4, reads 3)"),
    ("promoted under a minute (notes §7.2.2)", "promoted under a minute"),
    ("(notes §3.4: security groups only contain allow rules)", "(security groups only contain allow rules)"),
    ("copied to another bucket — notes §10.5.", "copied to another bucket."),
    ("kept 1 day to 10 years (1 day to 10 years, notes §21.1.3) or never", "kept 1 day to 10 years (1 day to 10 years) or never"),
    ("a single instance (notes §3, §26.5: not highly available)", "a single instance (not highly available)"),
    ("no citation here (see §4)", "no citation here (see §4)"),
])
def test_citations_are_left_out(text, shown):
    assert plain(text) == shown
