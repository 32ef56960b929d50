"""The canonical layout, on a file with comments in every position a person puts them."""

from archform.dsl.fmt import format_source

SOURCE = '''# header comment

param env : string = "prod"   # trailing on a statement
let zones = ["a", "b"]
region "us-east-1" as primary {
  vpc main { cidr = 10.0.0.0/16, tags = { env = env } }   // after a one-line block
  # before a block
  security_group web {
    vpc = main
    ingress { port = 443, from = internet }
    # before a nested block
    ingress {
      port = 80 # after an attribute
      from = internet
    }
  }
  let ports = [
    80,  # first
    443,
  ]
}
/* a block comment
   on two lines */
output vpc = primary.main.cidr
'''


def test_layout_with_comments(snapshot):
    out, diags = format_source(SOURCE, "c.arch")
    assert not diags
    assert out == snapshot
    assert format_source(out, "c.arch")[0] == out  # idempotent


def test_a_comment_before_a_nested_block_stays_with_it():
    out, _ = format_source(SOURCE, "c.arch")
    assert "    }\n\n    # before a nested block\n    ingress {" in out
