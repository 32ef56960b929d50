"""An MQ broker's users in messages: the password is the secret, the username is not. A short
username (`appl`) used to blank the same letters inside other words ("primary.(sensitive)ication")
because the whole `user` block was looked for in every message."""

from __future__ import annotations

from archform.dsl.resolve import resolve_text

ARCH = '''sensitive param mq_password: string = "a-test-broker-secret"

region "us-east-1" as primary {
  vpc main {
    cidr = 10.0.0.0/16
  }

  vpc other {
    cidr = 10.1.0.0/16
  }

  subnet data {
    vpc  = main
    cidr = 10.0.1.0/24
    az   = a
  }

  security_group %(group)s {
    vpc = other
  }

  mq_broker orders {
    engine          = activemq
    subnets         = [data]
    security_groups = [%(group)s]

    user appl {
      password = %(password)s
    }
  }
}
'''


def _error(group: str, password: str) -> str:
    _, diags = resolve_text(ARCH % {"group": group, "password": password}, "main.arch")
    (found,) = [d for d in diags if d.is_error]
    return found.summary


def test_a_short_username_is_not_masked_inside_other_words():
    summary = _error("application", "mq_password")
    assert "security group 'primary.application' is of VPC 'primary.other'" in summary
    assert "(sensitive)" not in summary


def test_a_password_written_in_the_user_block_is_still_masked_wherever_it_appears():
    summary = _error("zz_pass_word_12", '"zz_pass_word_12"')
    assert "zz_pass_word_12" not in summary
    assert "security group 'primary.(sensitive)'" in summary
