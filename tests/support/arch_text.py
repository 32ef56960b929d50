"""Architecture text the catalogue tests share, to put inside a `region "us-east-1" as east`
block: VPC `main` with subnets `a` and `b` in two AZs, `a2` in the first AZ again, public
subnets `edge_a` and `edge_b`; VPC `other` with subnet `elsewhere` and security group
`other_sg` (for the "of another VPC" rules)."""

NETWORK = """  vpc main {
    cidr = 10.0.0.0/16
  }

  vpc other {
    cidr = 10.9.0.0/16
  }

  subnet a { vpc = main, cidr = 10.0.1.0/24, az = a }
  subnet b { vpc = main, cidr = 10.0.2.0/24, az = b }
  subnet a2 { vpc = main, cidr = 10.0.3.0/24, az = a }
  subnet edge_a { vpc = main, cidr = 10.0.4.0/24, az = a, public = true }
  subnet edge_b { vpc = main, cidr = 10.0.5.0/24, az = b, public = true }
  subnet elsewhere { vpc = other, cidr = 10.9.1.0/24, az = b }

  security_group other_sg {
    vpc = other
  }
"""

# The two-AZ network most catalogue tests start from, written out in full (one attribute a
# line) as their fixtures had it, so the line numbers in their diagnostics' snapshots stay put:
# VPC `main` with subnets `a` and `b` in two AZs (and VPC `other`, in TWO_AZ_VPCS).
_MAIN = """  vpc main {
    cidr = 10.0.0.0/16
  }
"""

_OTHER = """  vpc other {
    cidr = 10.9.0.0/16
  }
"""

_SUBNETS = """  subnet a {
    vpc  = main
    cidr = 10.0.1.0/24
    az   = a
  }

  subnet b {
    vpc  = main
    cidr = 10.0.2.0/24
    az   = b
  }
"""

TWO_AZ_VPC = _MAIN + "\n" + _SUBNETS
TWO_AZ_VPCS = _MAIN + "\n" + _OTHER + "\n" + _SUBNETS
