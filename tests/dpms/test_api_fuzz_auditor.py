"""Every API operation, fuzzed as an auditor (tests/dpms/api_fuzz.py)."""

from tests.dpms.api_fuzz import fuzz_test

test_api_as_auditor = fuzz_test("auditor")
