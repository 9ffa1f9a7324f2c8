"""Every API operation, fuzzed as a security officer (tests/dpms/api_fuzz.py)."""

from tests.dpms.api_fuzz import fuzz_test

test_api_as_security_officer = fuzz_test("security_officer")
