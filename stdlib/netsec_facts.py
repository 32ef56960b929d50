"""AWS's figures for Network Firewall, Shield Advanced and GuardDuty that both the catalogue and
the modeled cloud read (notes §23.7, §23.10, §24.13; AWS's developer guides where the notes give
none). Tables of their own, so the modeled cloud reads them without the kinds' schemas."""

# --- Network Firewall (AWS Network Firewall developer guide, "AWS Network Firewall quotas"
# and "Setting rule group capacity"): capacity is fixed when a rule group is made.
MAX_GROUP_CAPACITY = 30_000  # a rule group's capacity, stateful or stateless
MAX_POLICY_CAPACITY = 30_000  # the capacities a policy reserves, per engine (stateless, stateful)
MAX_GROUPS_PER_POLICY = 20  # stateless and stateful rule groups per policy, each
MAX_SURICATA_BYTES = 2_000_000  # a Suricata-compatible rules string
MAX_SURICATA_RULE = 8_192  # characters of one Suricata rule
MAX_FIREWALLS = 5  # firewalls per account per region (adjustable)
STATEFUL_ACTIONS = ("pass", "drop", "alert", "reject")
STATELESS_ACTIONS = ("pass", "drop", "forward")  # forward: to the stateful engine
DOMAIN_PROTOCOLS = ("HTTP_HOST", "TLS_SNI")

# --- Shield Advanced (notes §23.7: "It costs $3000 per month per organisation"; AWS Shield
# pricing: a one-year commitment, plus data transfer out of protected resources).
SHIELD_MONTHLY_USD = 3000
SHIELD_NOTE = ("Shield Advanced needs a subscription: US$3,000 a month per organisation with a one-year "
               "commitment, plus a data-transfer-out fee for protected resources (notes §23.7, AWS Shield pricing)")

# --- GuardDuty: how often updated findings are exported (FindingPublishingFrequency); one
# detector per account per region; the optional protection plans (CloudFormation `Features`).
FREQUENCIES = {900: "FIFTEEN_MINUTES", 3600: "ONE_HOUR", 21600: "SIX_HOURS"}
FEATURES = {"s3_protection": "S3_DATA_EVENTS", "eks_protection": "EKS_AUDIT_LOGS",
            "malware_protection": "EBS_MALWARE_PROTECTION"}
