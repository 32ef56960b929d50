"""CloudFormation's limits on a template's bytes, and how the generator keeps within them.

A template given in the request itself (`create-stack --template-body`, or
`aws cloudformation deploy --template-file` without `--s3-bucket`) holds at most 51,200
bytes; a template read from S3 (`--template-url`, `deploy --s3-bucket`, and every nested
stack, whose `TemplateURL` must be in S3) at most 1,000,000 bytes. archform measures each
template as it writes it (YAML or JSON, UTF-8). A stack whose template would pass 1,000,000
bytes is split into nested stacks by bytes as well as by resources: each part's size is
measured, and the cut leaves room for the parameters and outputs the split adds. The
manifest says, for every template, its size and whether it can be passed inline or must be
uploaded to S3 first.
"""

from __future__ import annotations

S3_BYTES = 1_000_000  # a template read from S3 (TemplateURL)
INLINE_BYTES = 51_200  # a template passed in the request (TemplateBody)
HEADROOM = 0.85  # the share of S3_BYTES a child's resources may take at first: the rest is
                 # the parameters, outputs and description the split adds


def size(text: str) -> int:
    return len(text.encode("utf-8"))


def via(nbytes: int, nested: bool) -> str:
    """How a template reaches CloudFormation: "inline" in the request, or "s3" (uploaded first)."""
    return "s3" if nested or nbytes > INLINE_BYTES else "inline"


def part_bytes(templates, lids: dict, text_of, fmt: str) -> dict:
    """Part key → the bytes its rendered resource takes in its template (indented as there)."""
    found = {}
    for t in templates:
        for p in t.parts:
            lid = lids[p.key]
            resource = t.resources.get(lid)
            if resource is not None:
                found[p.key] = size(text_of({"Resources": {lid: resource}}, fmt)) - len("Resources:\n")
    return found


def next_budget(budget: int | None) -> int:
    """The bytes a child's resources may take on the next try: a little less each time."""
    return int(S3_BYTES * HEADROOM) if budget is None else int(budget * 0.8)
