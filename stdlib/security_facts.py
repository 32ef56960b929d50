"""AWS's figures for KMS keys, WAF and CloudWatch Logs that both the catalogue and the modeled
cloud read (notes §23.2, §23.6, §21.1.3; AWS's developer guides where the notes give none).

Tables of their own, not part of the catalogue's models, so the modeled cloud reads them
without building the kinds' pydantic schemas."""

# --- KMS: key spec → the usages AWS allows for it (AWS KMS developer guide, "Key spec reference")
SYMMETRIC = "SYMMETRIC_DEFAULT"
USAGES = {
    SYMMETRIC: ("ENCRYPT_DECRYPT",),
    "RSA_2048": ("ENCRYPT_DECRYPT", "SIGN_VERIFY"),
    "RSA_3072": ("ENCRYPT_DECRYPT", "SIGN_VERIFY"),
    "RSA_4096": ("ENCRYPT_DECRYPT", "SIGN_VERIFY"),
    "ECC_NIST_P256": ("SIGN_VERIFY", "KEY_AGREEMENT"),
    "ECC_NIST_P384": ("SIGN_VERIFY", "KEY_AGREEMENT"),
    "ECC_NIST_P521": ("SIGN_VERIFY", "KEY_AGREEMENT"),
    "ECC_SECG_P256K1": ("SIGN_VERIFY",),
    "HMAC_224": ("GENERATE_VERIFY_MAC",),
    "HMAC_256": ("GENERATE_VERIFY_MAC",),
    "HMAC_384": ("GENERATE_VERIFY_MAC",),
    "HMAC_512": ("GENERATE_VERIFY_MAC",),
}


def default_usage(spec: str) -> str:
    """What a key of this spec is for when the usage is not written (AWS: ENCRYPT_DECRYPT)."""
    return USAGES.get(spec, ("ENCRYPT_DECRYPT",))[0]


# --- WAF
CLOUDFRONT_REGION = "us-east-1"  # a CLOUDFRONT web ACL is made there (notes §23.6.2)
MAX_CAPACITY = 1500  # WCUs per web ACL (AWS WAF developer guide, "Web ACL capacity units")
MIN_RATE_LIMIT = 10  # requests per evaluation window (AWS WAF: rate-based rule statement)
RATE_WINDOWS = {60: "1m", 120: "2m", 300: "5m", 600: "10m"}  # AWS's EvaluationWindowSec
# AWS's managed rule groups and their published capacity (AWS WAF developer guide,
# "AWS Managed Rules rule groups list")
MANAGED_GROUPS = {
    "AWSManagedRulesCommonRuleSet": 700,
    "AWSManagedRulesAdminProtectionRuleSet": 100,
    "AWSManagedRulesKnownBadInputsRuleSet": 200,
    "AWSManagedRulesSQLiRuleSet": 200,
    "AWSManagedRulesLinuxRuleSet": 200,
    "AWSManagedRulesUnixRuleSet": 100,
    "AWSManagedRulesWindowsRuleSet": 200,
    "AWSManagedRulesPHPRuleSet": 100,
    "AWSManagedRulesWordPressRuleSet": 100,
    "AWSManagedRulesAmazonIpReputationList": 25,
    "AWSManagedRulesAnonymousIpList": 50,
    "AWSManagedRulesBotControlRuleSet": 50,
    "AWSManagedRulesATPRuleSet": 50,
    "AWSManagedRulesACFPRuleSet": 50,
}

# --- CloudWatch Logs: the retention periods AWS allows, in days (PutRetentionPolicy
# `retentionInDays`: 1 day to 10 years, notes §21.1.3)
RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
                  3288, 3653)
