"""The indexes that let a run import only what it uses must say what discovery finds."""

import pkgutil
import re
from pathlib import Path

from archform.stdlib import catalogue, rules as rules_pkg


def test_the_kind_index_matches_the_modules():
    found = {name: cls.__module__.rsplit(".", 1)[1] for name, cls in catalogue.kinds().items()}
    assert catalogue.INDEX == found, "update stdlib/catalogue.py INDEX"


def test_every_rule_names_the_kinds_it_reads():
    folder = Path(rules_pkg.__file__).parent
    for info in pkgutil.iter_modules([str(folder)]):
        text = (folder / f"{info.name}.py").read_text()
        read = set(re.findall(r'of_kind\(\s*"([a-z_0-9]+)"', text))
        declared = set(rules_pkg.KINDS.get(info.name, ()))
        if info.name in rules_pkg.KINDS:
            assert read <= declared, f"{info.name} reads {sorted(read - declared)}: add them to rules.KINDS"


def test_a_configuration_imports_only_the_families_it_uses():
    import subprocess
    import sys
    code = ("from archform.dsl.resolve import resolve_text\n"
            "resolve_text('region \"us-east-1\" as p { vpc v { cidr = 10.0.0.0/16 } }')\n"
            "import sys; print(sorted(m.rsplit('.', 1)[1] for m in sys.modules if m.startswith('archform.stdlib.kinds.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['network']"
